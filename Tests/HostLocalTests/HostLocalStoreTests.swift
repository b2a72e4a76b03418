import CNISystem
import CNITestSupport
import CNIValues
import HostLocalStore
import XCTest

/// The store layout shared by host-local, cni-inspect and the saved-config reader (pure).
final class HostLocalStoreTests: XCTestCase {
    func testEntryNames() {
        XCTAssertEqual(StoreLayout.entry("10.1.0.2"), .reservation(IPAddress("10.1.0.2") ?? .v4(0)))
        XCTAssertEqual(StoreLayout.entry("fd00::5"), .reservation(IPAddress("fd00::5") ?? .v4(0)))
        XCTAssertEqual(StoreLayout.entry("lock"), .lock)
        XCTAssertEqual(StoreLayout.entry("boot_id"), .boot)
        XCTAssertEqual(StoreLayout.entry("last_reserved_ip.0"), .lastReserved(rangeSet: 0))
        XCTAssertEqual(StoreLayout.entry("last_reserved_ip.12"), .lastReserved(rangeSet: 12))
        XCTAssertEqual(StoreLayout.entry(".10.1.0.2.tmp-42-beef"), .temporary)
        XCTAssertEqual(StoreLayout.entry(".last_reserved_ip.0.tmp-42-beef"), .temporary)
        for other in ["last_reserved_ip.x", "10.1.0.256", ".10.1.0.2", "10_1_0_2", "fd00__5", "notes.txt"] {
            XCTAssertEqual(StoreLayout.entry(other), .other, other)
        }
        XCTAssertEqual(StoreLayout.fileName(for: IPAddress("fd00:0:0::5") ?? .v4(0)), "fd00::5")
    }

    func testStoreDirectory() throws {
        XCTAssertEqual(try StoreLayout.storeDirectory(dataDir: nil, network: "cbr0"), "/var/lib/cni/networks/cbr0")
        XCTAssertEqual(try StoreLayout.storeDirectory(dataDir: "", network: "cbr0"), "/var/lib/cni/networks/cbr0")
        XCTAssertEqual(try StoreLayout.storeDirectory(dataDir: "/d//", network: "n"), "/d/n")
        XCTAssertEqual(try StoreLayout.storeDirectory(dataDir: "/", network: "n"), "/n")
        for bad in ["", ".", "..", "a/b", ".hidden", "a\u{0}b"] {
            XCTAssertThrowsError(try StoreLayout.storeDirectory(dataDir: "/d", network: bad), bad)
        }
        XCTAssertThrowsError(try StoreLayout.storeDirectory(dataDir: "/d\u{0}x", network: "n"))
    }

    func testRecordRoundTrip() {
        let owner = ReservationOwner(containerID: "c1", ifname: "eth0")
        XCTAssertEqual(owner.record, Array("c1\r\neth0".utf8))
        XCTAssertEqual(ReservationOwner(parsing: owner.record), owner)
        XCTAssertEqual(ReservationOwner(parsing: Array("c1\neth0".utf8)), ReservationOwner(containerID: "c1\neth0", ifname: nil))
        XCTAssertEqual(ReservationOwner(containerID: "old", ifname: nil).record, Array("old".utf8))
    }

    /// boot_id never looks like a record to the reference (which compares every file's trimmed
    /// content with `<id>\r\n<ifname>`).
    func testBootRecordIsNotARecord() throws {
        let dir = try TemporaryDirectory()
        try BootID.record("0b0e1d00-1111-2222-3333-444455556666", in: dir.file("boot_id"))
        XCTAssertEqual(BootID.recorded(in: dir.file("boot_id")), "0b0e1d00-1111-2222-3333-444455556666")
        XCTAssertNil(BootID.recorded(in: dir.file("missing")))
        XCTAssertNotNil(BootID.current(), "the kernel exposes \(BootID.procPath)")
    }
}
