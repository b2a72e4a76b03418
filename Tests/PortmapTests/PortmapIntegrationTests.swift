import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// End to end: a client in its own netns reaches the pod through the node's hostPort; the
/// node reaches it on 127.0.0.1:hostPort (masqueraded); after DEL the port is closed and no
/// rule of the container is left. Both backends, IPv4 and IPv6.
final class PortmapIntegrationTests: XCTestCase {
    static let mappings: JSONValue = [Portmap.mapping(18080, 8080, "tcp"), Portmap.mapping(15353, 5353, "udp")]

    func testIptablesBackendForwardsHostPorts() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try exercise(backend: "iptables") { bed, id in
            let v4 = try bed.node.run(["iptables-save", "-t", "nat"])
            let v6 = try bed.node.run(["ip6tables-save", "-t", "nat"])
            let chain = "CNI-DN-" // + hash; the exact name is covered by the unit tests
            XCTAssertTrue(v4.contains("--comment \"dnat name: \\\"pmtest\\\" id: \\\"\(id)\\\"\""), v4)
            XCTAssertTrue(v4.contains("-j DNAT --to-destination 10.244.1.3:8080"), v4)
            XCTAssertTrue(v6.contains("-j DNAT --to-destination [fd00:10::3]:8080"), v6)
            XCTAssertTrue(v4.contains(chain) && v6.contains(chain))
        } afterDel: { bed, id in
            let v4 = try bed.node.run(["iptables-save", "-t", "nat"])
            let v6 = try bed.node.run(["ip6tables-save", "-t", "nat"])
            XCTAssertFalse(v4.contains("CNI-DN-"), v4)
            XCTAssertFalse(v6.contains("CNI-DN-"), v6)
            XCTAssertFalse(v4.contains(id))
            // Shared chains and jumps stay.
            XCTAssertTrue(v4.contains("-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT"), v4)
        }
    }

    func testNftablesBackendForwardsHostPorts() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try exercise(backend: "nftables") { bed, id in
            let v4 = try bed.node.run(["nft", "list", "table", "ip", "cni_hostport"])
            let v6 = try bed.node.run(["nft", "list", "table", "ip6", "cni_hostport"])
            XCTAssertTrue(v4.contains("tcp dport 18080 dnat to 10.244.1.3:8080 comment \"\(id)\""), v4)
            XCTAssertTrue(v4.contains("fib daddr type local jump hostports_all"), v4)
            XCTAssertTrue(v6.contains("udp dport 15353 dnat to [fd00:10::3]:5353 comment \"\(id)\""), v6)
            XCTAssertFalse(try bed.node.run(["iptables-save", "-t", "nat"]).contains("CNI-DN-"))
        } afterDel: { bed, id in
            for family in ["ip", "ip6"] {
                let table = try bed.node.run(["nft", "list", "table", family, "cni_hostport"])
                XCTAssertFalse(table.contains(id), table)
                XCTAssertTrue(table.contains("chain hostports"), table)
            }
        }
    }

    private func exercise(backend: String, afterAdd: (PortmapTestbed, String) throws -> Void,
                          afterDel: (PortmapTestbed, String) throws -> Void) throws {
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        try bed.startServers()
        let id = Portmap.randomID()
        let config = Portmap.config(extra: ["backend": .string(backend)], mappings: Self.mappings,
                                    previous: bed.previousResult(version: "1.0.0"))

        // Before ADD nothing listens on the host port.
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080).status, 2)

        let add = Portmap.run("ADD", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        // The result is prevResult, unchanged.
        let result = try? PluginResult.decode(add.stdout)
        XCTAssertEqual(result?.ips?.count, 2, add.stdout)
        XCTAssertEqual(result?.interfaces?.count, 3, add.stdout)
        try afterAdd(bed, id)
        XCTAssertEqual(try bed.node.run(["sysctl", "-n", "net.ipv4.conf.cni0.route_localnet"]).trimmingCharacters(in: .whitespacesAndNewlines), "1")

        // From another netns, IPv4 and IPv6, TCP and UDP: the pod sees the client's own address.
        let tcp4 = bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080)
        XCTAssertEqual(tcp4.status, 0, tcp4.output)
        XCTAssertTrue(tcp4.output.hasPrefix("pod-tcp from") && tcp4.output.hasSuffix("192.168.77.2"), tcp4.output)
        let tcp6 = bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress6, 18080)
        XCTAssertEqual(tcp6.output, "pod-tcp from fd00:77::2")
        XCTAssertEqual(bed.probe(bed.client, "udp", PortmapTestbed.nodeAddress4, 15353).output, "echo:ping")
        XCTAssertEqual(bed.probe(bed.client, "udp", PortmapTestbed.nodeAddress6, 15353).output, "echo:ping")
        // From the node itself via localhost: masqueraded to the bridge address.
        let local = bed.probe(bed.node, "tcp", "127.0.0.1", 18080)
        XCTAssertEqual(local.status, 0, local.output)
        XCTAssertTrue(local.output.hasSuffix("10.244.1.1"), local.output)

        let check = Portmap.run("CHECK", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(check.status, 0, check.stdout)

        // A repeated ADD replaces the rules instead of duplicating them; traffic still flows.
        let again = Portmap.run("ADD", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(again.status, 0, again.stdout)
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080).status, 0)

        let del = Portmap.run("DEL", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(del.stdout, "")
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080).output, "REFUSED")
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress6, 18080).output, "REFUSED")
        XCTAssertEqual(bed.probe(bed.node, "tcp", "127.0.0.1", 18080).output, "REFUSED")
        try afterDel(bed, id)

        let check2 = Portmap.run("CHECK", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertNotEqual(check2.status, 0, "CHECK after DEL must fail")
        let delAgain = Portmap.run("DEL", config: config, containerID: id, netns: "", in: bed.node)
        XCTAssertEqual(delAgain.status, 0, delAgain.stdout)
    }
}
