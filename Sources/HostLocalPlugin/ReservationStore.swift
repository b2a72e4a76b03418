import CNIProtocol
import CNIValues
import HostLocalStore

/// One reserved address. `key` is the store's name for it (the file name on disk), kept so a
/// record written with a non-canonical name is still released under that name.
struct Reservation: Hashable, Sendable {
    let address: IPAddress
    let owner: ReservationOwner
    let key: String

    init(address: IPAddress, owner: ReservationOwner, key: String? = nil) {
        self.address = address
        self.owner = owner
        self.key = key ?? address.description
    }
}

/// Where reservations live. The allocator is pure logic over this protocol: an in-memory store in
/// unit tests, `DiskStore` in production. Callers serialise access (the disk store's lock).
protocol ReservationStore {
    /// Every reserved address with its owner; entries that are not addresses are ignored.
    func reservations() throws -> [Reservation]
    /// Claims `address` for `owner` exclusively. Returns false when it is already taken.
    func reserve(_ address: IPAddress, for owner: ReservationOwner) throws -> Bool
    /// Drops a reservation; one already gone is fine.
    func release(_ reservation: Reservation) throws
    /// The last address reserved in range set `index` (nil when unknown or unreadable).
    func lastReserved(rangeSet index: Int) -> IPAddress?
    /// Records the last address reserved in range set `index`, for round-robin allocation.
    func recordLastReserved(_ address: IPAddress, rangeSet index: Int) throws
}
