import CNISystem
import CNIValues
import Glibc

/// The plugins compiled into this executable, for in-process delegation. Set once by the
/// multicall main before any plugin runs.
public enum PluginRegistry {
    nonisolated(unsafe) private static var plugins: [String: any CNIPlugin] = [:]
    nonisolated(unsafe) private static var selfBuildID: [UInt8]?? = nil

    public static func register(_ list: [any CNIPlugin]) {
        for p in list { plugins[p.name] = p }
    }

    public static func plugin(named name: String) -> (any CNIPlugin)? { plugins[name] }

    /// True when the executable at `path` is the same build as this running one: both carry
    /// the same ELF build-id. Each plugin name is installed as its own copy (so `cp` over one
    /// name cannot change the others), hence the file's content identifies it, not its inode.
    /// A file without a build-id, or one that cannot be read, is never "self".
    static func isSameBuild(_ path: String) -> Bool {
        if selfBuildID == nil { selfBuildID = .some(buildID(of: "/proc/self/exe")) }
        guard let me = selfBuildID ?? nil, let other = buildID(of: path) else { return false }
        return me == other
    }

    /// The ELF build-id of the file at `path` (nil when it has none or cannot be read).
    public static func buildID(of path: String) -> [UInt8]? {
        guard let fd = try? FileDescriptor.open(path, flags: O_RDONLY) else { return nil }
        return ELFBuildID.read { offset, count in try? fd.read(at: offset, count: count, path: path) }
    }
}
