import CNISystem

/// The plugins compiled into this executable, for in-process delegation. Set once by the
/// multicall main before any plugin runs.
public enum PluginRegistry {
    nonisolated(unsafe) private static var plugins: [String: any CNIPlugin] = [:]
    nonisolated(unsafe) private static var selfIdentity: FileIdentity?? = nil

    public static func register(_ list: [any CNIPlugin]) {
        for p in list { plugins[p.name] = p }
    }

    public static func plugin(named name: String) -> (any CNIPlugin)? { plugins[name] }

    /// True when `path` is this running executable (a hard link or symlink to it).
    static func isSelf(_ path: String) -> Bool {
        if selfIdentity == nil { selfIdentity = .some(FileIdentity(path: "/proc/self/exe")) }
        guard let me = selfIdentity ?? nil, let other = FileIdentity(path: path) else { return false }
        return me == other
    }
}
