import CNIProtocol
import CNISystem
import CNITestSupport
import CNIValues
import Foundation
import HostLocalPlugin
import HostLocalStore
import XCTest

/// The on-disk format (the reference's, byte for byte) in a temp directory; no root needed.
final class DiskStoreTests: XCTestCase {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private func names(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    func testReservationFilesLastReservedAndLock() throws {
        let tmp = try TemporaryDirectory()
        let store = DiskStore(directory: tmp.file("data/net1"))
        XCTAssertFalse(store.exists)
        try store.create()
        let sets = [try RangeSet(json: JSONParser.parse(#"[{"subnet":"10.1.0.0/24"}]"#)),
                    try RangeSet(json: JSONParser.parse(#"[{"subnet":"fd00:1::/64"}]"#))]
        let ips = try store.withLock {
            try Allocator(store: store).allocate(sets, requested: [], for: Attachment(containerID: "c1", ifname: "eth0"))
        }
        XCTAssertEqual(ips.map(\.address.description), ["10.1.0.2/24", "fd00:1::2/64"])
        XCTAssertEqual(try names(store.directory), ["10.1.0.2", "fd00:1::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"])
        let record = try Data(contentsOf: URL(fileURLWithPath: store.directory + "/10.1.0.2"))
        XCTAssertEqual(Array(record), Array("c1\r\neth0".utf8), "CRLF, no trailing newline")
        XCTAssertEqual(try mode(store.directory + "/10.1.0.2"), 0o600)
        XCTAssertEqual(try mode(store.directory + "/last_reserved_ip.1"), 0o600)
        XCTAssertEqual(try String(contentsOfFile: store.directory + "/last_reserved_ip.1", encoding: .utf8), "fd00:1::2")
        XCTAssertEqual(store.lastReserved(rangeSet: 0), IPAddress("10.1.0.2"))
        XCTAssertNil(store.lastReserved(rangeSet: 7))

        XCTAssertEqual(Set(try store.reservations().map(\.address.description)), ["10.1.0.2", "fd00:1::2"])
        XCTAssertFalse(try store.reserve(IPAddress("10.1.0.2") ?? .v4(0), for: ReservationOwner(containerID: "x", ifname: "eth0")))
        XCTAssertEqual(try store.withLock { try Allocator(store: store).release(Attachment(containerID: "c1", ifname: "eth0")) }.count, 2)
        XCTAssertEqual(try names(store.directory), ["last_reserved_ip.0", "last_reserved_ip.1", "lock"])
    }

    func testLegacyAndForeignFilesAreReadButNotMistakenForAddresses() throws {
        let tmp = try TemporaryDirectory()
        let store = DiskStore(directory: tmp.path)
        try "old-id\n".write(toFile: tmp.file("10.1.0.9"), atomically: false, encoding: .utf8)
        try "c2\r\neth0".write(toFile: tmp.file("FD00:0:0::5"), atomically: false, encoding: .utf8)
        try "10.1.0.4".write(toFile: tmp.file("last_reserved_ip.0"), atomically: false, encoding: .utf8)
        try "c9\r\neth0".write(toFile: tmp.file(".10.1.0.7.tmp-1-abc"), atomically: false, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: tmp.file("lock")))
        let all = try store.reservations().sorted { $0.address < $1.address }
        XCTAssertEqual(all.map(\.address.description), ["10.1.0.9", "fd00::5"])
        XCTAssertEqual(all.first?.owner, ReservationOwner(containerID: "old-id", ifname: nil))
        // A non-canonical name is released under its own name.
        try Allocator(store: store).release(Attachment(containerID: "c2", ifname: "eth0"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("FD00:0:0::5")))
        try Allocator(store: store).release(Attachment(containerID: "old-id", ifname: "eth0"))
        XCTAssertEqual(store.removeOrphanedTemporaryFiles(), [".10.1.0.7.tmp-1-abc"])
        XCTAssertEqual(try names(tmp.path), ["last_reserved_ip.0", "lock"])
    }

    func testEntryNamesCannotLeaveTheDirectory() throws {
        let tmp = try TemporaryDirectory()
        let store = DiskStore(directory: tmp.path)
        let outside = Reservation(address: .v4(1), owner: ReservationOwner(containerID: "x", ifname: nil), key: "../escape")
        XCTAssertThrowsError(try store.release(outside))
        let config = try HostLocalConfigTests.netConfig(ipam: #"{"type":"host-local","dataDir":"/tmp/hl/"}"#)
        XCTAssertEqual(try HostLocalConfig.storeDirectory(config: config), "/tmp/hl/net1")
    }

    /// A reboot: every reservation of the earlier boot goes (with the hints and temp files), under
    /// the lock, once; then ADDs start over at rangeStart and a DEL of an old container is a no-op.
    func testEnteringANewBootReleasesTheEarlierBootsReservations() throws {
        let tmp = try TemporaryDirectory()
        let store = DiskStore(directory: tmp.file("net1"), durable: false)
        try store.create()
        let sets = [try RangeSet(json: JSONParser.parse(#"[{"subnet":"10.1.0.0/29"}]"#))]
        func add(_ id: String) throws -> String {
            try store.withLock {
                try Allocator(store: store).allocate(sets, requested: [], for: Attachment(containerID: id, ifname: "eth0"))
            }.first?.address.description ?? "-"
        }
        // A store without a record (new, or the reference's) is adopted, not emptied.
        try "ref\r\neth0".write(toFile: tmp.file("net1/10.1.0.6"), atomically: false, encoding: .utf8)
        XCTAssertEqual(try store.enterBoot("boot-1"), DiskStore.BootTransition(previousBoot: nil, released: []))
        XCTAssertNil(try store.enterBoot("boot-1"), "the same boot again changes nothing")
        XCTAssertEqual(try add("a"), "10.1.0.2/29")
        XCTAssertEqual(try add("b"), "10.1.0.3/29")
        try "x".write(toFile: tmp.file("net1/.10.1.0.4.tmp-1-ab"), atomically: false, encoding: .utf8)

        let transition = try store.enterBoot("boot-2")
        XCTAssertEqual(transition?.previousBoot, "boot-1")
        XCTAssertEqual(transition?.released.map(\.description), ["10.1.0.2", "10.1.0.3", "10.1.0.6"])
        XCTAssertEqual(try names(tmp.file("net1")), ["boot_id", "lock"])
        XCTAssertEqual(BootID.recorded(in: tmp.file("net1/boot_id")), "boot-2")
        XCTAssertNil(try store.enterBoot("boot-2"))
        XCTAssertEqual(try add("c"), "10.1.0.2/29", "the walk starts over: old addresses come back")
        let released = try store.withLock { try Allocator(store: store).release(Attachment(containerID: "a", ifname: "eth0")) }
        XCTAssertEqual(released, [], "a DEL of a container of the earlier boot finds nothing")
    }
}
