import CNITestSupport
import Foundation
import XCTest

/// The bandwidth plugin on real links in private namespaces: the same tc state as the reference
/// binary, a CHECK that notices every missing object, ADD that undoes or converges, DEL without a
/// netns, coexistence with a clsact qdisc, GC of orphan ifbs.
final class BandwidthIntegrationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
    }

    private func both(_ rate: Int, _ burst: Int, ingress: Bool, egress: Bool) -> String {
        var keys: [String] = []
        if ingress { keys.append(#""ingressRate":\#(rate),"ingressBurst":\#(burst)"#) }
        if egress { keys.append(#""egressRate":\#(rate),"egressBurst":\#(burst)"#) }
        return keys.joined(separator: ",")
    }

    func testSameKernelStateAsTheReference() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bandwidth"), "needs /usr/lib/cni/bandwidth")
        let limits = [(1000, 80_000), (8_000_000, 800_000), (10_000_000_000, 80_000_000)]
        for (rate, burst) in limits {
            for (ingress, egress) in [(true, false), (false, true), (true, true)] {
                let label = "rate \(rate) burst \(burst) ingress \(ingress) egress \(egress)"
                let fragment = both(rate, burst, ingress: ingress, egress: egress)
                let ours = try BandwidthTestbed(), theirs = try BandwidthTestbed(plugins: .reference)
                defer { ours.delete(); theirs.delete() }
                let a = ours.run("ADD", ours.config(fragment))
                let b = theirs.run("ADD", theirs.config(fragment), reference: true)
                XCTAssertEqual(a.status, 0, "\(label): \(a.stdout)")
                XCTAssertEqual(b.status, 0, "\(label): reference \(b.stdout)")
                XCTAssertEqual(try ours.tcState(), try theirs.tcState(), label)
                XCTAssertEqual(ours.run("CHECK", ours.config(fragment)).status, 0, label)
                // The result: the ifb appended (with its MAC) exactly when egress is shaped.
                XCTAssertEqual(a.stdout.contains(ours.ifbName()), egress, label)
                XCTAssertEqual(b.stdout.contains(theirs.ifbName()), egress, label)
            }
        }
    }

    func testCheckFailsForEachRemovedObject() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        let config = bed.config(both(8_000_000, 800_000, ingress: true, egress: true))
        let ifb = bed.ifbName()
        let removals: [(String, [String])] = [
            ("root tbf on the host veth", ["tc", "qdisc", "del", "dev", bed.hostVeth, "root"]),
            ("ingress qdisc", ["tc", "qdisc", "del", "dev", bed.hostVeth, "ingress"]),
            ("redirect filter", ["tc", "filter", "del", "dev", bed.hostVeth, "ingress", "pref", "1"]),
            ("tbf on the ifb", ["tc", "qdisc", "del", "dev", ifb, "root"]),
            ("ifb up", ["ip", "link", "set", ifb, "down"]),
            ("ifb", ["ip", "link", "del", ifb]),
            ("tbf values", ["tc", "qdisc", "replace", "dev", bed.hostVeth, "root", "handle", "1:", "tbf",
                            "rate", "9mbit", "burst", "100000", "latency", "25ms"]),
        ]
        for (what, command) in removals {
            let add = bed.run("ADD", config)  // a repeated ADD converges
            XCTAssertEqual(add.status, 0, "ADD before removing \(what): \(add.stdout)")
            XCTAssertEqual(bed.run("CHECK", config).status, 0, "CHECK right after ADD (\(what))")
            try bed.node.run(command)
            let check = bed.run("CHECK", config)
            XCTAssertEqual(check.status, 1, "CHECK passed without the \(what)")
            XCTAssertTrue(check.stdout.contains("\"code\": 999"), check.stdout)
        }
        // The reference's texts where it has them.
        XCTAssertEqual(bed.run("ADD", config).status, 0)
        try bed.node.run(["ip", "link", "del", ifb])
        XCTAssertTrue(bed.run("CHECK", config).stdout.contains("get ifb device: Link not found"))
    }

    func testRepeatedAddConvergesAndDelNeedsNoNetnsAndIsIdempotent() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        let config = bed.config(both(8_000_000, 800_000, ingress: true, egress: true))
        XCTAssertEqual(bed.run("ADD", config).status, 0)
        let first = try bed.tcState()
        XCTAssertEqual(bed.run("ADD", config).status, 0)
        XCTAssertEqual(try bed.tcState(), first)
        let filters = try bed.tc(["filter", "show", "dev", bed.hostVeth, "ingress"], as: TCFilter.self)
        XCTAssertEqual(filters.filter { $0.options?.actions != nil }.count, 1, "one redirect filter")
        // DEL: no netns, no prevResult; twice.
        let del = bed.config(both(8_000_000, 800_000, ingress: true, egress: true), prevResult: false)
        XCTAssertEqual(bed.run("DEL", del, netns: "").status, 0)
        XCTAssertThrowsError(try bed.node.ip(["link", "show", bed.ifbName()]))
        XCTAssertEqual(bed.run("DEL", del, netns: "").status, 0)
        // Validation on DEL too, with the reference's text.
        let bad = bed.run("DEL", bed.config(#""egressRate":1000"#, prevResult: false), netns: "")
        XCTAssertTrue(bad.stdout.contains("if rate is set, burst must also be set"), bad.stdout)
    }

    func testFailedAddUndoesItself() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        let before = try bed.tcState()
        // 1 byte of bucket at 10 GB/s is a zero-tick buffer: the kernel refuses the ifb's tbf,
        // after the veth's tbf and the ifb exist.
        let config = bed.config(#""ingressRate":8000000,"ingressBurst":800000,"egressRate":80000000000,"egressBurst":8"#)
        let add = bed.run("ADD", config)
        XCTAssertEqual(add.status, 1, add.stdout)
        XCTAssertTrue(add.stdout.contains("create tbf qdisc"), add.stdout)
        XCTAssertEqual(try bed.tcState(), before)
        XCTAssertThrowsError(try bed.node.ip(["link", "show", bed.ifbName()]))
    }

    func testExistingClsactTakesTheFilterAndTheAgentsFiltersStay() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        // An agent's clsact with its own ingress filter at priority 1.
        try bed.node.run(["tc", "qdisc", "add", "dev", bed.hostVeth, "clsact"])
        try bed.node.run(["tc", "filter", "add", "dev", bed.hostVeth, "ingress", "pref", "1", "protocol", "ip",
                          "u32", "match", "u32", "0", "0", "flowid", "1:2"])
        let config = bed.config(both(8_000_000, 800_000, ingress: false, egress: true))
        let add = bed.run("ADD", config)
        XCTAssertEqual(add.status, 0, add.stdout)
        let filters = try bed.tc(["filter", "show", "dev", bed.hostVeth, "ingress"], as: TCFilter.self)
        XCTAssertTrue(filters.contains { $0.protocol == "ip" && $0.pref == 1 }, "\(filters)")
        XCTAssertTrue(filters.contains { $0.protocol == "all" && $0.pref == 2 }, "\(filters)")
        XCTAssertEqual(bed.run("CHECK", config).status, 0)
        let qdiscs = try bed.tc(["qdisc", "show", "dev", bed.hostVeth], as: TCQdisc.self)
        XCTAssertFalse(qdiscs.contains { $0.kind == "ingress" })
        // The reference fails here (plugins#894).
        if FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bandwidth") {
            let theirs = bed.run("ADD", config, containerID: "c2", reference: true)
            XCTAssertEqual(theirs.status, 1, theirs.stdout)
        }
    }

    func testGCRemovesOnlyIFBsThatRedirectNoLiveVeth() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        let config = bed.config(both(8_000_000, 800_000, ingress: false, egress: true))
        XCTAssertEqual(bed.run("ADD", config).status, 0)
        // An orphan of another network (same shape), and a device of another kind with the same shape.
        try bed.node.ip(["link", "add", "bwp0123456789ab", "type", "ifb"])
        try bed.node.ip(["link", "add", "bwpaaaaaaaaaaaa", "type", "bridge"])
        let gc = #"{"cniVersion":"1.1.0","name":"cbr0","type":"bandwidth","cni.dev/valid-attachments":[]}"#
        let out = bed.run("GC", gc, netns: "")
        XCTAssertEqual(out.status, 0, out.stdout)
        XCTAssertThrowsError(try bed.node.ip(["link", "show", "bwp0123456789ab"]), "orphan ifb removed")
        XCTAssertNoThrow(try bed.node.ip(["link", "show", bed.ifbName()]), "live ifb (its filter redirects to it) kept")
        XCTAssertNoThrow(try bed.node.ip(["link", "show", "bwpaaaaaaaaaaaa"]), "not an ifb: kept")
        // Once the veth is gone, its ifb is an orphan too.
        try bed.node.ip(["link", "del", bed.hostVeth])
        XCTAssertEqual(bed.run("GC", gc, netns: "").status, 0)
        XCTAssertThrowsError(try bed.node.ip(["link", "show", bed.ifbName()]))
    }

    func testNoBandwidthAndNoPrevResultPrintsACleanResult() throws {
        let bed = try BandwidthTestbed()
        defer { bed.delete() }
        let add = bed.run("ADD", bed.config("", prevResult: false))
        XCTAssertEqual(add.status, 0, add.stdout)
        XCTAssertNotNil(PluginRun.parsedJSON(add.stdout))
        let chained = bed.run("ADD", bed.config(#""ingressRate":1000,"ingressBurst":1000"#, prevResult: false))
        XCTAssertTrue(chained.stdout.contains("must be called as chained plugin"), chained.stdout)
        let old = bed.run("ADD", bed.config(#""ingressRate":1000,"ingressBurst":1000"#, version: "0.2.0"))
        XCTAssertTrue(old.stdout.contains("\"code\": 1"), old.stdout)
    }

    func testShapingReallyShapes() throws {
        let bed = try BandwidthTestbed(mtu: 1500)
        defer { bed.delete() }
        let limit = 8_000_000.0
        let unshapedIn = try bed.measureRate(intoPod: true, bytes: 16 << 20)
        let unshapedOut = try bed.measureRate(intoPod: false, bytes: 16 << 20)
        let config = bed.config(both(8_000_000, 800_000, ingress: true, egress: true))
        XCTAssertEqual(bed.run("ADD", config).status, 0)
        let shapedIn = try bed.measureRate(intoPod: true, bytes: 3 << 20)
        let shapedOut = try bed.measureRate(intoPod: false, bytes: 3 << 20)
        print("bandwidth shaping: unshaped in \(unshapedIn / 1e6) Mbit/s out \(unshapedOut / 1e6) Mbit/s;",
              "shaped (8 Mbit/s) in \(shapedIn / 1e6) out \(shapedOut / 1e6)")
        XCTAssertLessThanOrEqual(shapedIn, 1.5 * limit)
        XCTAssertLessThanOrEqual(shapedOut, 1.5 * limit)
        XCTAssertGreaterThan(unshapedIn, 5 * limit)
        XCTAssertGreaterThan(unshapedOut, 5 * limit)
        XCTAssertGreaterThan(shapedIn, 0.3 * limit, "traffic still flows")
        XCTAssertGreaterThan(shapedOut, 0.3 * limit, "traffic still flows")
    }
}
