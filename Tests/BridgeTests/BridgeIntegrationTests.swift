import CNIFirewall
import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// ADD/CHECK/DEL of the real binary (bridge + our host-local) in a node namespace, asserting
/// kernel state in the node and pod namespaces.
final class BridgeIntegrationTests: BridgeNodeTestCase {
    private var flannelLike: JSONValue {
        ["bridge": "cni0", "isDefaultGateway": true, "hairpinMode": true, "mtu": 1400, "ipMasq": true]
    }

    func testTwoPodsAddCheckDelLeaveOnlyTheBridge() throws {
        let node = try XCTUnwrap(node)
        let config = node.config(extra: flannelLike)
        let pod1 = try node.newPod(), pod2 = try node.newPod()
        let r1 = try node.add(id: "c1", pod: pod1, config: config)
        _ = try node.add(id: "c2", pod: pod2, config: config)

        // Result: bridge, host veth, container; IP on interface 2; IPAM route then default route.
        let interfaces = try XCTUnwrap(r1.interfaces)
        XCTAssertEqual(interfaces.count, 3)
        guard interfaces.count == 3 else { return }
        XCTAssertEqual(interfaces[0].name, "cni0")
        let hostVeth = interfaces[1].name
        XCTAssertTrue(hostVeth.hasPrefix("veth") && hostVeth.count == 12, hostVeth)
        XCTAssertEqual(interfaces[2].name, "eth0")
        XCTAssertEqual(interfaces[2].sandbox, pod1.path)
        let ips = try XCTUnwrap(r1.ips)
        XCTAssertEqual(ips.count, 1)
        XCTAssertEqual(ips.first?.address, "10.99.0.2/24")
        XCTAssertEqual(ips.first?.gateway, "10.99.0.1")
        XCTAssertEqual(ips.first?.interface, 2)
        let routes = try XCTUnwrap(r1.routes)
        XCTAssertEqual(routes, [.init(dst: "10.244.0.0/16"), .init(dst: "0.0.0.0/0", gw: "10.99.0.1")])

        // Pod: eth0 with the result's MAC, MTU and address; routes via the gateway.
        let eth0 = try pod1.ip(["-d", "addr", "show", "eth0"])
        XCTAssertTrue(eth0.contains("mtu 1400"), eth0)
        XCTAssertTrue(eth0.contains("inet 10.99.0.2/24"), eth0)
        XCTAssertTrue(eth0.contains("link/ether \(interfaces[2].mac ?? "?")"), eth0)
        XCTAssertTrue(eth0.contains("state UP"), eth0)
        let podRoutes = try pod1.ip(["route", "show"])
        XCTAssertTrue(podRoutes.contains("default via 10.99.0.1 dev eth0"), podRoutes)
        XCTAssertTrue(podRoutes.contains("10.244.0.0/16 via 10.99.0.1 dev eth0"), podRoutes)
        XCTAssertEqual(try pod1.run(["cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify"]), "1\n")
        XCTAssertEqual(try pod1.run(["cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"]), "0\n")

        // Node: cni0 with the gateway, both veths enslaved with hairpin, forwarding on.
        let bridge = try node.ip(["-d", "addr", "show", "cni0"])
        XCTAssertTrue(bridge.contains("inet 10.99.0.1/24"), bridge)
        XCTAssertTrue(bridge.contains("mtu 1400"), bridge)
        XCTAssertEqual(bridge.components(separatedBy: "inet 10.").count, 2, "one gateway address after two ADDs")
        let ports = try node.run(["bridge", "-d", "link", "show"])
        XCTAssertTrue(ports.contains("\(hostVeth)@"), ports)
        XCTAssertEqual(ports.components(separatedBy: "master cni0").count, 3, ports)
        XCTAssertEqual(ports.components(separatedBy: "hairpin on").count, 3, ports)
        XCTAssertEqual(try node.run(["cat", "/proc/sys/net/ipv4/ip_forward"]), "1\n")
        XCTAssertEqual(try node.run(["cat", "/proc/sys/net/ipv6/conf/cni0/accept_ra"]), "0\n")
        XCTAssertEqual(try node.run(["cat", "/sys/class/net/cni0/addr_assign_type"]), "3\n",
                       "the bridge MAC is pinned, so it no longer follows its ports")
        let bridgeMAC = try XCTUnwrap(interfaces[0].mac)
        XCTAssertTrue(bridge.contains("link/ether \(bridgeMAC)"), "result MAC is the bridge's current one")

        // Masquerade: the reference's exact rules, once per pod.
        let nat = try node.cniNatRules()
        XCTAssertEqual(nat.filter { $0.hasPrefix("-A POSTROUTING") }.count, 2, nat.joined(separator: "\n"))
        XCTAssertTrue(nat.contains(#"-A POSTROUTING -s 10.99.0.2/32 -m comment --comment "name: \"brtest\" id: \"c1\"" -j CNI-"#
            + chain("brtest", "c1")), nat.joined(separator: "\n"))
        XCTAssertTrue(nat.contains("-A CNI-\(chain("brtest", "c1")) ! -d 224.0.0.0/4 -m comment --comment \"name: \\\"brtest\\\" id: \\\"c1\\\"\" -j MASQUERADE"))

        // Traffic: pod to pod and pod to gateway (only our namespaces' addresses).
        XCTAssertTrue(node.ping(from: pod1, "10.99.0.3"), "pod1 → pod2")
        XCTAssertTrue(node.ping(from: pod2, "10.99.0.1"), "pod2 → gateway")

        // CHECK passes with the ADD result (its subnet route has no gw: the v1.1.1 bug is gone).
        let check = node.run("CHECK", id: "c1", netns: pod1.path, config: node.config(config, prevResult: r1))
        XCTAssertEqual(check.status, 0, check.stdout)
        let noPrevious = node.run("CHECK", id: "c1", netns: pod1.path, config: config)
        XCTAssertTrue(noPrevious.stdout.contains("Required prevResult missing"), noPrevious.stdout)
        try pod1.ip(["route", "del", "10.244.0.0/16"])
        let broken = node.run("CHECK", id: "c1", netns: pod1.path, config: node.config(config, prevResult: r1))
        XCTAssertTrue(broken.stdout.contains("Expected Route {Dst:10.244.0.0/16} not found in routing table"), broken.stdout)

        // DEL both: only the bridge remains.
        for (id, pod) in [("c1", pod1), ("c2", pod2)] {
            let del = node.run("DEL", id: id, netns: pod.path, config: config)
            XCTAssertEqual(del.status, 0, del.stdout)
            XCTAssertEqual(del.stdout, "")
        }
        XCTAssertEqual(try node.veths(), [])
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(try node.cniNatRules(), [])
        XCTAssertFalse(try node.natRules().contains(":CNI-"))
        XCTAssertFalse(try pod1.ip(["link", "show"]).contains("eth0"))
        let after = try node.ip(["link", "show", "cni0"])
        XCTAssertTrue(after.contains("link/ether \(bridgeMAC)"), "the bridge is never deleted, its MAC unchanged: \(after)")
    }

    func testSecondAddForTheSameInterfaceFailsWithoutDisturbingTheFirst() throws {
        let node = try XCTUnwrap(node)
        let config = node.config(extra: flannelLike)
        let pod = try node.newPod()
        _ = try node.add(id: "c1", pod: pod, config: config)
        let again = node.run("ADD", id: "c1b", netns: pod.path, config: config)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stdout.contains("container veth name provided (eth0) already exists"), again.stdout)
        XCTAssertEqual(try node.veths().count, 1, "the failed ADD left no veth")
        XCTAssertEqual(node.reservations(), ["10.99.0.2"], "the failed ADD released its IP")
        XCTAssertTrue(node.ping(from: pod, "10.99.0.1"))
    }

    func testMACFromCNIArgsAndRuntimeConfig() throws {
        let node = try XCTUnwrap(node)
        let pod1 = try node.newPod(), pod2 = try node.newPod()
        let r = node.run("ADD", id: "m1", netns: pod1.path, config: node.config(),
                         cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=0a:58:0a:63:00:99")
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(try pod1.ip(["link", "show", "eth0"]).contains("link/ether 0a:58:0a:63:00:99"))
        _ = try node.add(id: "m2", pod: pod2, config: node.config(extra: ["runtimeConfig": ["mac": "0a:58:0a:63:00:77"]]))
        XCTAssertTrue(try pod2.ip(["link", "show", "eth0"]).contains("link/ether 0a:58:0a:63:00:77"))
        let unknown = node.run("ADD", id: "m3", netns: pod2.path, config: node.config(), cniArgs: "FOO=bar")
        XCTAssertTrue(unknown.stdout.contains(#"ARGS: unknown args [\"FOO=bar\"]"#), unknown.stdout)
    }

    func testLayer2OnlyBringsTheInterfaceUpWithoutAddresses() throws {
        let node = try XCTUnwrap(node)
        let pod = try node.newPod()
        let config = #"{"cniVersion":"1.0.0","name":"l2","type":"bridge","bridge":"br-l2","portIsolation":true,"dns":{"nameservers":["10.96.0.10"]}}"#
        let r = try node.add(id: "l2", pod: pod, config: config)
        XCTAssertNil(r.ips)
        XCTAssertEqual(r.dns?.nameservers, ["10.96.0.10"], "the config's dns is the result's")
        let eth0 = try pod.ip(["addr", "show", "eth0"])
        XCTAssertTrue(eth0.contains("state UP"), eth0)
        XCTAssertFalse(eth0.contains("inet "), eth0)
        XCTAssertTrue(try node.run(["bridge", "-d", "link", "show"]).contains("isolated on"))
        XCTAssertEqual(node.run("DEL", id: "l2", netns: pod.path, config: config).status, 0)
        XCTAssertEqual(try node.veths(), [])

        let down = #"{"cniVersion":"1.0.0","name":"l2","type":"bridge","bridge":"br-l2","disableContainerInterface":true}"#
        let r2 = try node.add(id: "l2b", pod: pod, config: down)
        XCTAssertFalse(try pod.ip(["link", "show", "eth0"]).contains(",UP"), "disableContainerInterface leaves eth0 down")
        XCTAssertFalse((r2.interfaces?.dropFirst().first?.mac ?? "").isEmpty, "host MAC still reported")
    }

    func testNftablesBackendAndMacSpoofCheck() throws {
        let node = try XCTUnwrap(node)
        let pod = try node.newPod()
        let config = node.config(extra: ["isGateway": true, "ipMasq": true, "ipMasqBackend": "nftables", "macspoofchk": true])
        let r = try node.add(id: "n1", pod: pod, config: config)
        let mac = try XCTUnwrap(r.interfaces?.dropFirst(2).first?.mac)
        let masq = try node.run(["nft", "list", "table", "inet", "cni_plugins_masquerade"])
        XCTAssertTrue(masq.contains("ip saddr 10.99.0.2 ip daddr != 10.99.0.0/24 masquerade"), masq)
        XCTAssertTrue(masq.contains("goto masq_checks"), masq)
        let spoof = try node.run(["nft", "list", "table", "bridge", "nat"])
        XCTAssertTrue(spoof.contains("ether saddr \(mac) return"), spoof)
        XCTAssertTrue(spoof.contains("jump cni-br-iface-n1-eth0"), spoof)
        XCTAssertEqual(try node.cniNatRules(), [], "nftables backend: no iptables rules")
        XCTAssertTrue(node.ping(from: pod, "10.99.0.1"), "the spoof check lets the real MAC through")

        XCTAssertEqual(node.run("DEL", id: "n1", netns: pod.path, config: config).status, 0)
        XCTAssertFalse(try node.run(["nft", "list", "table", "inet", "cni_plugins_masquerade"]).contains("masquerade comment"))
        XCTAssertFalse(try node.run(["nft", "list", "table", "bridge", "nat"]).contains("cni-br-iface-n1-eth0"))
    }

    func testStatusDelegatesToIPAMAndGCRemovesStaleMasqueradeRules() throws {
        let node = try XCTUnwrap(node)
        let pod = try node.newPod()
        let config = node.config(cniVersion: "1.1.0", extra: ["isGateway": true, "ipMasq": true])
        _ = try node.add(id: "g1", pod: pod, config: config)
        let status = node.run("STATUS", id: "", netns: nil, ifname: "", config: config)
        XCTAssertEqual(status.status, 0, status.stdout)
        XCTAssertEqual(node.run("STATUS", id: "", netns: nil, ifname: "", config: node.config(cniVersion: "1.1.0", ipamType: "nope")).status,
                       1, "an IPAM plugin that cannot be found is not ready")

        var gc = try XCTUnwrap(try JSONParser.parse(config).objectValue)
        gc["cni.dev/valid-attachments"] = []
        let gcConfig = JSONSerializer.string(.object(gc))
        let r = node.run("GC", id: "", netns: nil, ifname: "", config: gcConfig)
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertEqual(try node.cniNatRules(), [], "GC removed the masquerade chain of the stale attachment")
        XCTAssertEqual(node.reservations(), [], "GC reached host-local, which released the stale reservation")
    }

    /// The 24 hex digits after `CNI-` (ChainName is checked against the reference's names in the unit tests).
    private func chain(_ network: String, _ id: String) -> String {
        String(ChainName.masquerade(network: network, containerID: id).dropFirst(4))
    }
}
