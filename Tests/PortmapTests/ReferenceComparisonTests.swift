import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Side by side with Debian's reference portmap (v1.1.1, iptables only): the same input in two
/// node netns must leave equivalent nat tables (same chains, same rules; counters, comments and
/// order normalised) after ADD and after DEL.
final class ReferenceComparisonTests: XCTestCase {
    static var reference: String { PluginBinaries.referencePluginDir + "/portmap" }

    func testSameRulesAsTheReference() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.reference), "reference portmap not installed")
        let ports17 = (1...17).map { Portmap.mapping(20000 + $0, 80 + $0, "tcp") }
        let cases: [(extra: JSONValue, mappings: JSONValue)] = [
            ([:], [
                Portmap.mapping(8080, 80, "tcp"), Portmap.mapping(5353, 53, "udp"),
                Portmap.mapping(9090, 90, "tcp", hostIP: "127.0.0.1"),
                Portmap.mapping(9191, 91, "tcp", hostIP: "fd00:10::1"),
                Portmap.mapping(9292, 92, "sctp", hostIP: "0.0.0.0"),
            ]),
            (["snat": false, "markMasqBit": 5, "conditionsV4": ["-d", "192.168.77.1"], "conditionsV6": ["!", "-i", "eth7"]],
             .array(ports17 + [Portmap.mapping(53, 53, "udp")])),
            (["markMasqBit": 0], [Portmap.mapping(8080, 80, "tcp")]),
            (["externalSetMarkChain": "KUBE-MARK-MASQ"], [Portmap.mapping(8080, 80, "udp")]),
        ]
        for (index, c) in cases.enumerated() {
            let ours = try PortmapTestbed(withPod: false)
            let theirs = try PortmapTestbed(withPod: false)
            defer { ours.tearDown(); theirs.tearDown() }
            for bed in [ours, theirs] {
                for tool in ["iptables", "ip6tables"] {
                    try bed.node.run([tool, "-t", "nat", "-N", "KUBE-MARK-MASQ"])
                    // Unrelated rules already in the table must survive both ADD and DEL.
                    try bed.node.run([tool, "-t", "nat", "-A", "POSTROUTING", "-o", "cni0", "-j", "RETURN"])
                }
            }
            let previous = ours.previousResult(version: "0.4.0", sandbox: "/run/netns/pod")
            let config = Portmap.config(version: "0.4.0", name: "cbr0", extra: c.extra, mappings: c.mappings, previous: previous)
            for id in ["c2", "c3"] {
                let a = Portmap.run("ADD", config: config, containerID: id, netns: ours.pod.path, in: ours.node)
                XCTAssertEqual(a.status, 0, "case \(index): " + a.stdout + a.stderr)
                let b = Portmap.run("ADD", config: config, containerID: id, netns: theirs.pod.path, in: theirs.node,
                                    binary: Self.reference)
                XCTAssertEqual(b.status, 0, "case \(index): " + b.stdout + b.stderr)
                XCTAssertEqual(Self.resultWithoutDNS(a.stdout), Self.resultWithoutDNS(b.stdout), "case \(index): the ADD result differs")
            }
            try assertSameTables(ours, theirs, "case \(index) after ADD")
            XCTAssertTrue(try ours.node.run(["iptables-save", "-t", "nat"]).contains("CNI-DN-"), "case \(index)")
            for bed in [ours, theirs] {
                let localnet = try bed.node.run(["sysctl", "-n", "net.ipv4.conf.cni0.route_localnet"])
                XCTAssertEqual(localnet.trimmingCharacters(in: .whitespacesAndNewlines), c.extra["snat"] == false ? "0" : "1")
            }

            let a = Portmap.run("DEL", config: config, containerID: "c2", netns: ours.pod.path, in: ours.node)
            XCTAssertEqual(a.status, 0, a.stdout)
            let b = Portmap.run("DEL", config: config, containerID: "c2", netns: theirs.pod.path, in: theirs.node, binary: Self.reference)
            XCTAssertEqual(b.status, 0, b.stdout)
            try assertSameTables(ours, theirs, "case \(index) after DEL")
        }
    }

    /// Our DEL removes what the reference's ADD installed, and the other way round.
    func testEachRemovesTheOthersRules() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.reference), "reference portmap not installed")
        let bed = try PortmapTestbed(withPod: false)
        defer { bed.tearDown() }
        let config = Portmap.config(version: "0.4.0", name: "cbr0", mappings: [Portmap.mapping(8080, 80, "tcp")],
                                    previous: bed.previousResult(version: "0.4.0"))
        let pristine = try normalized(bed, "iptables-save")
        XCTAssertEqual(Portmap.run("ADD", config: config, containerID: "r1", netns: bed.pod.path, in: bed.node, binary: Self.reference).status, 0)
        XCTAssertEqual(Portmap.run("CHECK", config: config, containerID: "r1", netns: bed.pod.path, in: bed.node).status, 0)
        XCTAssertEqual(Portmap.run("DEL", config: config, containerID: "r1", netns: bed.pod.path, in: bed.node).status, 0)
        let afterFirst = try normalized(bed, "iptables-save")
        XCTAssertFalse(afterFirst.contains { $0.contains("CNI-DN-") }, afterFirst.joined(separator: "\n"))

        XCTAssertEqual(Portmap.run("ADD", config: config, containerID: "o1", netns: bed.pod.path, in: bed.node).status, 0)
        XCTAssertEqual(Portmap.run("DEL", config: config, containerID: "o1", netns: bed.pod.path, in: bed.node, binary: Self.reference).status, 0)
        XCTAssertEqual(try normalized(bed, "iptables-save"), afterFirst)
        XCTAssertNotEqual(pristine, afterFirst)  // shared chains stay, as with the reference
    }

    /// The result object without `dns` (Debian's library prints an empty one, later ones omit it).
    static func resultWithoutDNS(_ text: String) -> NSDictionary? {
        guard var o = PluginRun.foundationJSON(text) as? [String: Any] else { return nil }
        o["dns"] = nil
        return o as NSDictionary
    }

    private func normalized(_ bed: PortmapTestbed, _ tool: String) throws -> [String] {
        try bed.node.run([tool, "-t", "nat"]).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .map { line in line.hasPrefix(":") ? String(line.split(separator: " ").prefix(2).joined(separator: " ")) : String(line) }
            .sorted()
    }

    private func assertSameTables(_ ours: PortmapTestbed, _ theirs: PortmapTestbed, _ what: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        for tool in ["iptables-save", "ip6tables-save"] {
            let a = try normalized(ours, tool), b = try normalized(theirs, tool)
            XCTAssertEqual(a, b, "\(what): \(tool) differs\nours:\n\(a.joined(separator: "\n"))\nreference:\n\(b.joined(separator: "\n"))",
                           file: file, line: line)
        }
    }
}
