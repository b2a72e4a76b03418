import CNIProtocol
import CNIValues
import HostLocalPlugin
import HostLocalStore
import XCTest

/// The allocation rules over an in-memory store: no disk, no root.
final class AllocatorTests: XCTestCase {
    private let c1 = Attachment(containerID: "c1", ifname: "eth0")

    private func set(_ json: String) throws -> RangeSet {
        try RangeSet(json: JSONParser.parse(json))
    }

    private func ip(_ s: String) -> IPAddress {
        IPAddress(s) ?? .v4(0)
    }

    /// Allocates for container `id` and returns the addresses as "ip/prefix gw".
    @discardableResult
    private func add(_ a: Allocator<MemoryStore>, _ sets: [RangeSet], _ id: String, ifname: String = "eth0",
                     requested: [String] = []) throws -> [String] {
        try a.allocate(sets, requested: requested.map(ip), for: Attachment(containerID: id, ifname: ifname))
            .map { "\($0.address) \($0.gateway?.description ?? "-")" }
    }

    private func assertError(_ body: @autoclosure () throws -> Any, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? CNIError)?.msg, message, file: file, line: line)
        }
    }

    func testFirstAddressSkipsTheGatewayAndCarriesSubnetPrefix() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1"), ["10.1.0.2/24 10.1.0.1"])
        XCTAssertEqual(try add(a, sets, "c2"), ["10.1.0.3/24 10.1.0.1"])
        XCTAssertEqual(a.store.last[0], ip("10.1.0.3"))
        XCTAssertEqual(a.store.holders, ["10.1.0.2": "c1/eth0", "10.1.0.3": "c2/eth0"])
    }

    func testRangeStartEndAndGatewayInsideTheWindow() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24","rangeStart":"10.1.0.10","rangeEnd":"10.1.0.12","gateway":"10.1.0.11"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1"), ["10.1.0.10/24 10.1.0.11"])
        XCTAssertEqual(try add(a, sets, "c2"), ["10.1.0.12/24 10.1.0.11"], "the gateway is skipped")
        assertError(try add(a, sets, "c3"), "failed to allocate for range 0: no IP addresses available in range set: 10.1.0.10-10.1.0.12")
    }

    func testRoundRobinContinuesAfterTheLastReservedAndWrapsAround() throws {
        let store = MemoryStore()
        let a = Allocator(store: store)
        let sets = [try set(#"[{"subnet":"10.1.0.0/29"}]"#)]  // .2 ... .6 usable
        for id in ["c2", "c3", "c4", "c5", "c6"] { try add(a, sets, id) }
        XCTAssertEqual(store.holders["10.1.0.6"], "c6/eth0")
        try a.release(Attachment(containerID: "c3", ifname: "eth0"))  // frees .3
        try a.release(Attachment(containerID: "c2", ifname: "eth0"))  // frees .2
        // After .6 the walk wraps to the start: .2 is the next free one, then .3.
        XCTAssertEqual(try add(a, sets, "n1"), ["10.1.0.2/29 10.1.0.1"])
        XCTAssertEqual(try add(a, sets, "n2"), ["10.1.0.3/29 10.1.0.1"])
        assertError(try add(a, sets, "n3"), "failed to allocate for range 0: no IP addresses available in range set: 10.1.0.1-10.1.0.6")
    }

    func testReleasedAddressIsNotReusedUntilTheRangeWraps() throws {
        // Reference observation: after releasing .2 the next ADD got .7, not .2.
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#)]
        for n in 2...6 { try add(a, sets, "c\(n)") }
        try a.release(Attachment(containerID: "c2", ifname: "eth0"))
        XCTAssertEqual(try add(a, sets, "c7"), ["10.1.0.7/24 10.1.0.1"])
        // A last_reserved_ip outside the set (ranges changed) restarts at rangeStart.
        a.store.last[0] = ip("192.168.0.9")
        XCTAssertEqual(try add(a, sets, "c8"), ["10.1.0.2/24 10.1.0.1"])
    }

    func testMultipleRangesInOneSetAreWalkedInOrder() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/30"},{"subnet":"10.2.0.0/30"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1"), ["10.1.0.2/30 10.1.0.1"])
        XCTAssertEqual(try add(a, sets, "c2"), ["10.2.0.2/30 10.2.0.1"])
        assertError(try add(a, sets, "c3"),
                    "failed to allocate for range 0: no IP addresses available in range set: 10.1.0.1-10.1.0.2,10.2.0.1-10.2.0.2")
    }

    func testNetworkAndBroadcastAreNeverHandedOut() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/30","rangeStart":"10.1.0.0","rangeEnd":"10.1.0.3","gateway":"10.1.0.2"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1"), ["10.1.0.1/30 10.1.0.2"])
        assertError(try add(a, sets, "c2"), "failed to allocate for range 0: no IP addresses available in range set: 10.1.0.0-10.1.0.3")
        assertError(try add(a, sets, "c3", requested: ["10.1.0.3"]), "failed to allocate for range 0: requested ip 10.1.0.3 is subnet's broadcast address")
        assertError(try add(a, sets, "c3", requested: ["10.1.0.0"]), "failed to allocate for range 0: requested ip 10.1.0.0 is subnet's network address")
    }

    func testIPv6AndDualStack() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#), try set(#"[{"subnet":"fd00:1::/64"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1"), ["10.1.0.2/24 10.1.0.1", "fd00:1::2/64 fd00:1::1"])
        XCTAssertEqual(try add(a, sets, "c2"), ["10.1.0.3/24 10.1.0.1", "fd00:1::3/64 fd00:1::1"])
        XCTAssertEqual(a.store.last, [0: ip("10.1.0.3"), 1: ip("fd00:1::3")])
        XCTAssertEqual(Set(a.store.records.keys), ["10.1.0.2", "10.1.0.3", "fd00:1::2", "fd00:1::3"], "compressed IPv6 names")
        // The last IPv6 address of a range is usable (no broadcast in IPv6).
        let small = [try set(#"[{"subnet":"fd00:2::/126"}]"#)]
        XCTAssertEqual(try add(a, small, "c1"), ["fd00:2::2/126 fd00:2::1"])
        XCTAssertEqual(try add(a, small, "c2"), ["fd00:2::3/126 fd00:2::1"])
    }

    func testFailureInALaterSetReleasesOnlyWhatThisCallReserved() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#), try set(#"[{"subnet":"fd00:1::/120","rangeEnd":"fd00:1::2"}]"#)]
        try add(a, sets, "c1")
        assertError(try add(a, sets, "c2"), "failed to allocate for range 1: no IP addresses available in range set: fd00:1::1-fd00:1::2")
        XCTAssertEqual(a.store.holders, ["10.1.0.2": "c1/eth0", "fd00:1::2": "c1/eth0"], "c2's IPv4 reservation is rolled back")
    }

    func testRequestedAddresses() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#), try set(#"[{"subnet":"fd00:1::/64"}]"#)]
        XCTAssertEqual(try add(a, sets, "c1", requested: ["10.1.0.100"]), ["10.1.0.100/24 10.1.0.1", "fd00:1::2/64 fd00:1::1"])
        XCTAssertEqual(a.store.last[0], ip("10.1.0.100"), "requested IPs update last_reserved_ip")
        XCTAssertEqual(try add(a, sets, "c2"), ["10.1.0.101/24 10.1.0.1", "fd00:1::3/64 fd00:1::1"])
        XCTAssertEqual(try add(a, sets, "c3", requested: ["fd00:1::50", "::ffff:10.1.0.50"]),
                       ["10.1.0.50/24 10.1.0.1", "fd00:1::50/64 fd00:1::1"])
        assertError(try add(a, sets, "c4", requested: ["10.1.0.1"]), "failed to allocate for range 0: requested ip 10.1.0.1 is subnet's gateway")
        assertError(try add(a, sets, "c4", requested: ["10.1.0.100"]),
                    "failed to allocate for range 0: requested IP address 10.1.0.100 is not available in range set 10.1.0.1-10.1.0.254")
        assertError(try add(a, sets, "c4", requested: ["10.9.0.10"]), "failed to allocate all requested IPs: 10.9.0.10")
        assertError(try add(a, sets, "c4", requested: ["10.1.0.7", "10.1.0.8"]), "failed to allocate all requested IPs: 10.1.0.8")
        assertError(try add(a, sets, "c4", requested: ["10.1.0.255"]), "failed to allocate all requested IPs: 10.1.0.255")
        XCTAssertFalse(a.store.holders.values.contains { $0.hasPrefix("c4") }, "failed ADDs leave nothing behind")
        XCTAssertEqual(try add(a, sets, "c4", requested: ["10.1.0.7", "10.1.0.7"]).first, "10.1.0.7/24 10.1.0.1", "duplicates collapse")
    }

    func testDuplicateAddIsRefusedLikeTheReference() throws {
        let a = Allocator(store: MemoryStore())
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#)]
        try add(a, sets, "c1")
        let message = "failed to allocate for range 0: 10.1.0.2 has been allocated to c1, duplicate allocation is not allowed"
        assertError(try add(a, sets, "c1"), message)
        assertError(try add(a, sets, "c1", requested: ["10.1.0.9"]), message)  // a requested IP does not allow a second one either
        XCTAssertEqual(a.store.records.count, 1)
        // Another interface of the same container is a different attachment.
        XCTAssertEqual(try add(a, sets, "c1", ifname: "net1"), ["10.1.0.3/24 10.1.0.1"])
        // Legacy records (container ID only) count as held too.
        a.store.add(legacy: "old", at: "10.1.0.40")
        assertError(try add(a, sets, "old"), "failed to allocate for range 0: 10.1.0.40 has been allocated to old, duplicate allocation is not allowed")
    }

    func testReleaseMatchesExactRecordsThenLegacyOnes() throws {
        let store = MemoryStore()
        let a = Allocator(store: store)
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#), try set(#"[{"subnet":"fd00::/64"}]"#)]
        try add(a, sets, "c1")
        try add(a, sets, "c1", ifname: "net1")
        store.add(legacy: "c1", at: "10.1.0.77")
        XCTAssertEqual(Set(try a.release(c1)), [ip("10.1.0.2"), ip("fd00::2")])
        XCTAssertEqual(try a.release(c1), [ip("10.1.0.77")], "legacy records only when no exact record is left")
        XCTAssertEqual(try a.release(c1), [], "repeated DEL is fine")
        XCTAssertEqual(try a.release(Attachment(containerID: "nobody", ifname: "eth0")), [])
        XCTAssertEqual(store.holders, ["10.1.0.3": "c1/net1", "fd00::3": "c1/net1"])
        XCTAssertTrue(try a.holdsAddress(Attachment(containerID: "c1", ifname: "net1")))
        XCTAssertFalse(try a.holdsAddress(c1))
        store.failingRelease = [ip("10.1.0.3"), ip("fd00::3")]
        assertError(try a.release(Attachment(containerID: "c1", ifname: "net1")),
                    "cannot remove 10.1.0.3;cannot remove fd00::3")
    }

    func testLostRaceMovesOnToTheNextAddress() throws {
        let store = MemoryStore()
        store.racedAddresses = [ip("10.1.0.2")]
        let a = Allocator(store: store)
        XCTAssertEqual(try add(a, [try set(#"[{"subnet":"10.1.0.0/24"}]"#)], "c1"), ["10.1.0.3/24 10.1.0.1"])
    }

    func testGarbageCollectionKeepsOnlyValidAttachments() throws {
        let store = MemoryStore()
        let a = Allocator(store: store)
        let sets = [try set(#"[{"subnet":"10.1.0.0/24"}]"#)]
        for id in ["c1", "c2", "c3"] { try add(a, sets, id) }
        try add(a, sets, "c2", ifname: "net1")
        store.add(legacy: "c3", at: "10.1.0.50")
        store.add(legacy: "gone", at: "10.1.0.51")
        store.failingRelease = [ip("10.1.0.4")]
        let valid = [Attachment(containerID: "c1", ifname: "eth0"), Attachment(containerID: "c3", ifname: "eth9")]
        let outcome = try a.collectGarbage(keeping: valid)
        XCTAssertEqual(outcome.released, [ip("10.1.0.3"), ip("10.1.0.5"), ip("10.1.0.51")])
        XCTAssertEqual(outcome.errors, ["release 10.1.0.4: cannot remove 10.1.0.4"], "errors are reported, the rest continues")
        XCTAssertEqual(store.holders, ["10.1.0.2": "c1/eth0", "10.1.0.4": "c3/eth0", "10.1.0.50": "c3"])
        // An empty list releases everything.
        store.failingRelease = []
        XCTAssertEqual(try a.collectGarbage(keeping: []).released.count, 3)
        XCTAssertTrue(store.records.isEmpty)
    }

    func testRecordFormatAndParsing() {
        let owner = ReservationOwner(containerID: "c1", ifname: "eth0")
        XCTAssertEqual(owner.record, Array("c1\r\neth0".utf8))
        XCTAssertEqual(ReservationOwner(parsing: Array(" c1\r\neth0\n".utf8)), owner)
        XCTAssertEqual(ReservationOwner(parsing: Array("c1\n".utf8)), ReservationOwner(containerID: "c1", ifname: nil))
        XCTAssertEqual(ReservationOwner(parsing: []).containerID, "")
    }
}
