import CNIValues
import HostLocalPlugin
import HostLocalStore

/// An in-memory `ReservationStore` for allocator tests (no disk, no root).
final class MemoryStore: ReservationStore {
    var records: [String: (address: IPAddress, owner: ReservationOwner)] = [:]
    var last: [Int: IPAddress] = [:]
    /// Addresses whose reserve() fails as if another process had just taken them.
    var racedAddresses: Set<IPAddress> = []
    var failingRelease: Set<IPAddress> = []

    func reservations() throws -> [Reservation] {
        records.map { Reservation(address: $0.value.address, owner: $0.value.owner, key: $0.key) }
    }

    func reserve(_ address: IPAddress, for owner: ReservationOwner) throws -> Bool {
        if racedAddresses.contains(address) {
            records[address.description] = (address, ReservationOwner(containerID: "racer", ifname: "eth0"))
            return false
        }
        guard records[address.description] == nil else { return false }
        records[address.description] = (address, owner)
        return true
    }

    func release(_ reservation: Reservation) throws {
        if failingRelease.contains(reservation.address) { throw TestFailure("cannot remove \(reservation.address)") }
        records[reservation.key] = nil
    }

    func lastReserved(rangeSet index: Int) -> IPAddress? { last[index] }

    func recordLastReserved(_ address: IPAddress, rangeSet index: Int) throws { last[index] = address }

    /// Holder of each address, as "id/ifname" ("id" for legacy records).
    var holders: [String: String] {
        records.mapValues { r in r.owner.ifname.map { "\(r.owner.containerID)/\($0)" } ?? r.owner.containerID }
    }

    func add(legacy id: String, at address: String) {
        guard let a = IPAddress(address) else { return }
        records[address] = (a, ReservationOwner(containerID: id, ifname: nil))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
