import CNIProtocol
import CNISystem
import CNIValues
import Glibc
import HostLocalStore

/// The reference's on-disk store, byte for byte (layout and names: `StoreLayout`). Unlike the
/// reference, a reservation exists only complete (an O_TMPFILE inode linked exclusively to its
/// name), `last_reserved_ip` is replaced atomically, files are mode 0600, and the store records the
/// boot its reservations belong to (`enterBoot`).
public struct DiskStore: ReservationStore {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o755
    /// Records are a container ID and an ifname: anything larger is not ours.
    static let recordLimit = 4096

    public let directory: String
    /// Whether reservations are fsynced (file and directory). Boot-scoped stores need not: a power
    /// loss ends every pod of the boot, and the next boot releases that boot's records, torn or not.
    public let durable: Bool

    /// The directory's entry names as listed once by `listedOnce()`; nil: list at every use.
    private var listing: [String]? = nil

    public init(directory: String, durable: Bool = true) {
        self.directory = directory
        self.durable = durable
    }

    /// This store with the directory listed once, now: the temp-file sweep and the reservations of
    /// one operation share that listing instead of each scanning the directory. Only under the
    /// lock (no other writer can change the directory meanwhile), and only for one operation:
    /// the listing does not see what `reserve` adds (the allocator tracks that itself).
    public func listedOnce() throws -> DiskStore {
        var copy = self
        copy.listing = try FileSystem.listDirectory(directory)
        return copy
    }

    private func entryNames() throws -> [String] {
        try listing ?? FileSystem.listDirectory(directory)
    }

    public var exists: Bool { FileSystem.isDirectory(directory) }

    /// Creates the store directory (and missing parents), as the reference does on ADD.
    public func create() throws {
        try FileSystem.makeDirectory(directory, mode: DiskStore.directoryMode)
    }

    /// Runs `body` holding the store's flock, shared with the reference plugin's processes.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileLock.withExclusiveLock(path: try path(StoreLayout.lockFileName), body)
    }

    public func reservations() throws -> [Reservation] {
        var out: [Reservation] = []
        for name in try entryNames() {
            guard case .reservation(let address) = StoreLayout.entry(name) else { continue }
            let file = try path(name)
            // An unreadable record still occupies its address; it just belongs to nobody we know.
            let record = (try? FileSystem.readFile(file, limit: DiskStore.recordLimit)) ?? []
            out.append(Reservation(address: address, owner: ReservationOwner(parsing: record), key: name))
        }
        return out
    }

    public func reserve(_ address: IPAddress, for owner: ReservationOwner) throws -> Bool {
        do {
            try FileSystem.createFileExclusively(try path(StoreLayout.fileName(for: address)), owner.record,
                                                 mode: DiskStore.fileMode, durable: durable)
            return true
        } catch let e as SystemError where e.errno == .fileExists {
            return false
        }
    }

    public func release(_ reservation: Reservation) throws {
        try FileSystem.removeFileIfPresent(try path(reservation.key))
    }

    public func lastReserved(rangeSet index: Int) -> IPAddress? {
        guard let file = try? path(StoreLayout.lastReservedPrefix + String(index)),
              let bytes = try? FileSystem.readFile(file, limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return IPAddress(text)?.canonical
    }

    /// A round-robin hint: atomic against kills, but not fsynced (losing it to a power cut only
    /// restarts the walk at rangeStart, as the reference does when the file is missing).
    public func recordLastReserved(_ address: IPAddress, rangeSet index: Int) throws {
        try FileSystem.writeFileAtomically(try path(StoreLayout.lastReservedPrefix + String(index)),
                                           Array(address.description.utf8), mode: DiskStore.fileMode, durable: false)
    }

    /// Removes temp files left by a process killed between link and rename. Only under the lock:
    /// every writer of this store writes under it, so any temp file seen then is an orphan.
    @discardableResult
    public func removeOrphanedTemporaryFiles() -> [String] {
        FileSystem.removeTemporaryFiles(in: directory, listing: listing, onlyAbandoned: false)
    }

    /// What `enterBoot` did.
    public struct BootTransition: Equatable, Sendable {
        /// The boot recorded before (nil: the store had no record, its reservations were adopted).
        public var previousBoot: String?
        /// Reservations of the earlier boot that were released.
        public var released: [IPAddress]

        public init(previousBoot: String?, released: [IPAddress]) {
            self.previousBoot = previousBoot
            self.released = released
        }
    }

    /// Under the lock, before allocating: when the store records another boot than `boot`, releases
    /// every reservation (and the round-robin hints and temp files) — they cannot belong to a live
    /// pod — then records `boot`. The record is written last, so a killed sweep is redone by the
    /// next ADD. A store without a record (new, or written by the reference or an older version)
    /// is adopted as this boot's. Returns nil when the store already belongs to `boot`.
    public func enterBoot(_ boot: String) throws -> BootTransition? {
        let record = try path(StoreLayout.bootFileName)
        let previous = BootID.recorded(in: record)
        if previous == boot { return nil }
        var released: [IPAddress] = []
        if previous != nil {
            for name in try FileSystem.listDirectory(directory) {
                switch StoreLayout.entry(name) {
                case .reservation(let address):
                    if try FileSystem.removeFileIfPresent(try path(name)) { released.append(address) }
                case .lastReserved, .temporary:
                    try FileSystem.removeFileIfPresent(try path(name))
                case .lock, .boot, .other:
                    break
                }
            }
        }
        try BootID.record(boot, in: record, mode: DiskStore.fileMode)
        return BootTransition(previousBoot: previous, released: released.sorted())
    }

    /// `directory/name`, refusing anything that could leave the store directory.
    func path(_ name: String) throws(CNIError) -> String {
        guard StoreLayout.isPlainFileName(name) else {
            throw CNIError.internalFailure("refusing store entry name outside \(directory)", details: name)
        }
        return directory + "/" + name
    }
}
