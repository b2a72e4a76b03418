import CNIProtocol
import CNISystem
import CNIValues
import Glibc

/// The reference's on-disk store, byte for byte: `<dataDir>/<network>/` holds one file per
/// reserved address (named like Go's `net.IP.String()`, content `<id>\r\n<ifname>`),
/// `last_reserved_ip.<set index>` and the `lock` file that is flocked around every operation.
/// Unlike the reference, files are written complete before they appear (exclusive link of a
/// synced temp file; atomic rename for `last_reserved_ip`), so a kill -9 never leaves an empty
/// reservation, and the mode is 0600.
public struct DiskStore: ReservationStore {
    public static let lockFileName = "lock"
    public static let lastReservedPrefix = "last_reserved_ip."
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o755
    /// Records are a container ID and an ifname: anything larger is not ours.
    static let recordLimit = 4096

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var exists: Bool { FileSystem.isDirectory(directory) }

    /// Creates the store directory (and missing parents), as the reference does on ADD.
    public func create() throws {
        try FileSystem.makeDirectory(directory, mode: DiskStore.directoryMode)
    }

    /// Runs `body` holding the store's flock, shared with the reference plugin's processes.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileLock.withExclusiveLock(path: try path(DiskStore.lockFileName), body)
    }

    public func reservations() throws -> [Reservation] {
        var out: [Reservation] = []
        for name in try FileSystem.listDirectory(directory) {
            guard let address = DiskStore.address(fromFileName: name) else { continue }
            let file = try path(name)
            // An unreadable record still occupies its address; it just belongs to nobody we know.
            let record = (try? FileSystem.readFile(file, limit: DiskStore.recordLimit)) ?? []
            out.append(Reservation(address: address, owner: ReservationOwner(parsing: record), key: name))
        }
        return out
    }

    public func reserve(_ address: IPAddress, for owner: ReservationOwner) throws -> Bool {
        do {
            try FileSystem.createFileExclusively(try path(address.description), owner.record, mode: DiskStore.fileMode)
            return true
        } catch let e as SystemError where e.errno == .fileExists {
            return false
        }
    }

    public func release(_ reservation: Reservation) throws {
        try FileSystem.removeFileIfPresent(try path(reservation.key))
    }

    public func lastReserved(rangeSet index: Int) -> IPAddress? {
        guard let file = try? path(DiskStore.lastReservedPrefix + String(index)),
              let bytes = try? FileSystem.readFile(file, limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return IPAddress(text)?.canonical
    }

    /// A round-robin hint: atomic against kills, but not fsynced (losing it to a power cut only
    /// restarts the walk at rangeStart, as the reference does when the file is missing).
    public func recordLastReserved(_ address: IPAddress, rangeSet index: Int) throws {
        try FileSystem.writeFileAtomically(try path(DiskStore.lastReservedPrefix + String(index)),
                                           Array(address.description.utf8), mode: DiskStore.fileMode, durable: false)
    }

    /// Removes temp files left by a process killed mid-write. Only safe under the lock: every
    /// writer of this store writes under it, so any temp file seen then is an orphan.
    @discardableResult
    public func removeOrphanedTemporaryFiles() throws -> [String] {
        var removed: [String] = []
        for name in try FileSystem.listDirectory(directory) where DiskStore.isTemporaryFileName(name) {
            if try FileSystem.removeFileIfPresent(try path(name)) { removed.append(name) }
        }
        return removed
    }

    /// An address file name: what `net.ParseIP` accepts (lock, last_reserved_ip.N, temp files are not).
    static func address(fromFileName name: String) -> IPAddress? {
        guard !name.hasPrefix(".") else { return nil }
        return IPAddress(name)
    }

    /// `FileSystem`'s temp names: `.<name>.tmp-<pid>-<hex>`.
    static func isTemporaryFileName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    /// `directory/name`, refusing anything that could leave the store directory.
    func path(_ name: String) throws(CNIError) -> String {
        guard DiskStore.isPlainFileName(name) else {
            throw CNIError.internalFailure("refusing store entry name outside \(directory)", details: name)
        }
        return directory + "/" + name
    }

    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }
}
