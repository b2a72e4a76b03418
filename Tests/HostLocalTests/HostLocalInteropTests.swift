import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Our store and Debian's reference host-local (v1.1.1) read each other's files and share the lock.
final class HostLocalInteropTests: XCTestCase {
    private let reference = HostLocalHarness.referenceBinary

    override func setUpWithError() throws {
        try XCTSkipUnless(HostLocalHarness.hasReference,
                          "interop tests need the reference plugin at \(HostLocalHarness.referenceBinary) (Debian containernetworking-plugins)")
    }

    private func make() throws -> HostLocalHarness {
        try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "fd00:1::/64"]]]])
    }

    func testReferenceReleasesWhatWeAllocated() throws {
        let h = try make()
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("c1")), ["10.1.0.2", "fd00:1::2"])
        XCTAssertEqual(h.run("CHECK", "c1", binary: reference).status, 0, "the reference finds our record")
        let del = h.run("DEL", "c1", binary: reference)
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(h.addressFiles(), [])
    }

    func testWeReleaseWhatTheReferenceAllocated() throws {
        let h = try make()
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("c1", binary: reference)), ["10.1.0.2", "fd00:1::2"])
        XCTAssertEqual(h.contents("10.1.0.2"), Array("c1\r\neth0".utf8))
        XCTAssertEqual(h.run("CHECK", "c1").status, 0, "we find the reference's record")
        let dup = h.run("ADD", "c1")
        XCTAssertEqual(HostLocalHarness.errorMessage(dup.stdout),
                       "failed to allocate for range 0: 10.1.0.2 has been allocated to c1, duplicate allocation is not allowed")
        XCTAssertEqual(h.run("DEL", "c1").status, 0)
        XCTAssertEqual(h.addressFiles(), [])
    }

    func testRoundRobinContinuesAcrossImplementations() throws {
        let h = try make()
        _ = try h.add("r1", binary: reference)
        _ = try h.add("r2", binary: reference)
        XCTAssertEqual(h.run("DEL", "r1", binary: reference).status, 0)
        // The reference's last_reserved_ip is .3: we continue at .4, not at the freed .2.
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("o1")), ["10.1.0.4", "fd00:1::4"])
        XCTAssertEqual(h.text("last_reserved_ip.0"), "10.1.0.4")
        // ... and the reference continues after ours.
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("r3", binary: reference)), ["10.1.0.5", "fd00:1::5"])
        // A requested IP made by us moves the reference's cursor too.
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("o2", cniArgs: "IP=10.1.0.100")), ["10.1.0.100", "fd00:1::6"])
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("r4", binary: reference)), ["10.1.0.101", "fd00:1::7"])
    }

    func testLegacyRecordsAreReleasedByBoth() throws {
        let h = try make()
        _ = try h.add("c1")
        try "old\n".write(toFile: h.storeDirectory + "/10.1.0.60", atomically: false, encoding: .utf8)
        try "old2".write(toFile: h.storeDirectory + "/10.1.0.61", atomically: false, encoding: .utf8)
        XCTAssertEqual(h.run("DEL", "old").status, 0)
        XCTAssertEqual(h.run("DEL", "old2", binary: reference).status, 0)
        XCTAssertEqual(h.addressFiles(), ["10.1.0.2", "fd00:1::2"])
    }

    func testBothImplementationsInParallelShareTheLock() throws {
        let h = try make()
        let reference = self.reference
        let count = 48
        let adds = HostLocalStressTests.parallel(count, workers: 8) { i in
            i % 2 == 0 ? h.run("ADD", "mix-\(i)") : h.run("ADD", "mix-\(i)", binary: reference)
        }
        var seen = Set<String>()
        for (i, r) in adds.enumerated() {
            XCTAssertEqual(r.status, 0, "ADD mix-\(i): \(r.stdout) \(r.stderr)")
            for a in PluginRun.parsedJSON(r.stdout)?.objectValue.map(HostLocalHarness.addresses) ?? [] {
                XCTAssertTrue(seen.insert(a).inserted, "\(a) handed out twice")
            }
        }
        XCTAssertEqual(seen.count, 2 * count)
        let dels = HostLocalStressTests.parallel(count, workers: 8) { i in
            i % 2 == 1 ? h.run("DEL", "mix-\(i)") : h.run("DEL", "mix-\(i)", binary: reference)
        }
        XCTAssertTrue(dels.allSatisfy { $0.status == 0 })
        XCTAssertEqual(h.addressFiles(), [])
    }
}
