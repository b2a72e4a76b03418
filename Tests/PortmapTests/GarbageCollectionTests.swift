import CNIFirewall
import CNITestSupport
import CNIValues
import XCTest
@testable import PortmapPlugin

final class GarbageCollectionTests: XCTestCase {
    static func ruleset(_ entries: [(network: String, id: String)]) -> IptablesRuleset {
        var chains = ["PREROUTING", "CNI-HOSTPORT-DNAT"]
        var rules: [IptablesRule] = []
        for e in entries {
            let r = IptablesPortmapRules(config: PortmapConfig(network: e.network, mappings: [PortMapping(hostPort: 80, containerPort: 80)]),
                                         containerID: e.id, pod: IPNetwork("10.244.1.3/24")!)
            chains.append(r.dnatChain)
            rules += r.entryRules + r.chainRules
        }
        return IptablesRuleset(chains: chains, rules: rules)
    }

    func testStaleContainersOfThisNetworkOnly() {
        let set = Self.ruleset([("cbr0", "a"), ("cbr0", "b"), ("other", "c"), ("cbr0x", "d"), ("cbr0", "keep")])
        XCTAssertEqual(IptablesPortmapBatch.staleContainers(network: "cbr0", keep: ["keep"], existing: set), ["a", "b"])
        XCTAssertEqual(IptablesPortmapBatch.staleContainers(network: "cbr0", keep: ["a", "b", "keep"], existing: set), [])
        XCTAssertNil(try IptablesPortmapBatch.collectGarbage(network: "cbr0", keep: ["a", "b", "keep"], existing: set))
        let batch = try? IptablesPortmapBatch.collectGarbage(network: "cbr0", keep: ["keep"], existing: set)
        XCTAssertEqual(batch?.split(separator: "\n").filter { $0.hasPrefix("-X ") },
                       ["-X \(ChainName.portmapDNAT(network: "cbr0", containerID: "a"))",
                        "-X \(ChainName.portmapDNAT(network: "cbr0", containerID: "b"))"])
    }

    func testGCRemovesOnlyContainersMissingFromTheValidList() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bed = try PortmapTestbed(withPod: false)
        defer { bed.tearDown() }
        let ids = ["gc-keep", "gc-stale1", "gc-stale2"]
        for (i, id) in ids.enumerated() {
            let config = Portmap.config(version: "1.1.0", mappings: [Portmap.mapping(23000 + i, 80)],
                                        previous: Portmap.previous(version: "1.1.0", address: "10.244.1.\(20 + i)/24"))
            let r = Portmap.run("ADD", config: config, containerID: id, netns: bed.pod.path, in: bed.node)
            XCTAssertEqual(r.status, 0, r.stdout)
        }
        let gcConfig = #"""
        {"cniVersion":"1.1.0","name":"pmtest","type":"portmap",
         "cni.dev/valid-attachments":[{"containerID":"gc-keep","ifname":"eth0"},{"containerID":"unrelated","ifname":"eth0"}]}
        """#
        let gc = Portmap.run("GC", config: gcConfig, containerID: nil, netns: nil, in: bed.node, ifname: nil)
        XCTAssertEqual(gc.status, 0, gc.stdout + gc.stderr)
        let saved = try bed.node.run(["iptables-save", "-t", "nat"])
        XCTAssertTrue(saved.contains("id: \\\"gc-keep\\\""), saved)
        XCTAssertTrue(saved.contains(":\(ChainName.portmapDNAT(network: "pmtest", containerID: "gc-keep")) "), saved)
        XCTAssertFalse(saved.contains("gc-stale"), saved)
        XCTAssertEqual(saved.split(separator: "\n").filter { $0.hasPrefix(":CNI-DN-") }.count, 1, saved)
    }
}
