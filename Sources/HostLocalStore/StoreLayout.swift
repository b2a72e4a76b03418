import CNISystem
import CNIValues

/// host-local's on-disk store layout, the one definition used by the host-local plugin, by
/// `cni-inspect` and by the reader of flannel's saved configs (which finds the store a saved
/// delegate config releases from). It is the reference's layout, so either implementation reads
/// the other's store:
///
///     <dataDir>/<network>/<ip>                one file per reserved address, named like Go's
///                                             net.IP.String(), holding a `ReservationOwner` record
///     <dataDir>/<network>/last_reserved_ip.N  the round-robin hint of range set N
///     <dataDir>/<network>/lock                flocked around every operation
///     <dataDir>/<network>/boot_id             ours only: the boot the reservations belong to
///     <dataDir>/<network>/.<name>.tmp-…       an interrupted replacement (`FileSystem.temporaryFileName`)
///
/// The reference ignores `boot_id` (not an address; its content never equals a record).
public enum StoreLayout {
    public static let defaultDataDir = "/var/lib/cni/networks"
    public static let lockFileName = "lock"
    public static let lastReservedPrefix = "last_reserved_ip."
    public static let bootFileName = "boot_id"

    /// What a name in a store directory is.
    public enum Entry: Equatable, Sendable {
        case reservation(IPAddress)
        case lastReserved(rangeSet: Int)
        case lock
        case boot
        case temporary
        /// Anything else (never written by host-local).
        case other
    }

    public static func entry(_ name: String) -> Entry {
        if name == lockFileName { return .lock }
        if name == bootFileName { return .boot }
        if FileSystem.isTemporaryFileName(name) { return .temporary }
        if name.hasPrefix(lastReservedPrefix), let n = Int(name.dropFirst(lastReservedPrefix.count)), n >= 0 {
            return .lastReserved(rangeSet: n)
        }
        if let address = address(fromFileName: name) { return .reservation(address) }
        return .other
    }

    /// The address a reservation file name stands for: what `net.ParseIP` accepts (hidden names
    /// never are). Non-canonical spellings parse; they are released under the name they have.
    public static func address(fromFileName name: String) -> IPAddress? {
        guard !name.hasPrefix(".") else { return nil }
        return IPAddress(name)
    }

    /// The file name of a reservation: Go's `net.IP.String()` form.
    public static func fileName(for address: IPAddress) -> String { address.description }

    /// Why a store directory cannot be derived.
    public enum DirectoryError: Error, Equatable, Sendable {
        case invalidNetworkName(String)
        case invalidDataDir(String)
    }

    /// `<dataDir>/<network>`; a nil or empty `dataDir` is the default, as in the reference (which
    /// treats `"dataDir": ""` as unset). Refuses a network name that would leave dataDir.
    public static func storeDirectory(dataDir: String?, network: String) throws(DirectoryError) -> String {
        var dir = dataDir ?? ""
        if dir.isEmpty { dir = defaultDataDir }
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        guard isPlainFileName(network), !network.hasPrefix(".") else { throw .invalidNetworkName(network) }
        guard !dir.utf8.contains(0) else { throw .invalidDataDir(dir) }
        return dir == "/" ? "/" + network : dir + "/" + network
    }

    /// A single path component: not empty, `.`, `..`, and without `/` or NUL.
    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }
}
