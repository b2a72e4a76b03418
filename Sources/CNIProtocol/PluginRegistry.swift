import CNISystem
import CNIValues

/// The plugins compiled into this executable, for in-process delegation. Set once by the
/// multicall main before any plugin runs.
package enum PluginRegistry {
    /// A handful of plugins: a list (a dictionary of existentials costs more to set up at every
    /// process start than the lookups it would save).
    nonisolated(unsafe) private static var plugins: [any CNIPlugin] = []
    nonisolated(unsafe) private static var selfBuildID: [UInt8]?? = nil

    package static func register(_ list: [any CNIPlugin]) {
        for p in list {
            plugins.removeAll { $0.name == p.name }
            plugins.append(p)
        }
    }

    package static func plugin(named name: String) -> (any CNIPlugin)? { plugins.first { $0.name == name } }

    /// True when the executable at `path` is the same build as this running one: both carry
    /// the same ELF build-id. Each plugin name is installed as its own copy (so `cp` over one
    /// name cannot change the others), hence the file's content identifies it, not its inode.
    /// A file without a build-id, or one that cannot be read, is never "self".
    static func isSameBuild(_ path: String) -> Bool {
        if selfBuildID == nil { selfBuildID = .some(buildID(of: "/proc/self/exe")) }
        guard let me = selfBuildID ?? nil, let other = buildID(of: path) else { return false }
        return me == other
    }

    /// Bytes read from the start of a candidate: linkers put the build-id note right after the
    /// program headers (in the first KiB of our binary and of the Go plugins), so the first read
    /// is `buildIDFirstRead` bytes and only a file whose note lies further in is read again, up to
    /// `buildIDPrefix`. A note beyond that reads as no build-id, so that plugin is exec'ed:
    /// slower, never wrong.
    static let buildIDPrefix = 64 << 10
    static let buildIDFirstRead = 4 << 10

    /// The ELF build-id of the file at `path` (nil when it has none or cannot be read).
    package static func buildID(of path: String) -> [UInt8]? {
        guard let first = try? FileProbe.readPrefix(path, count: buildIDFirstRead) else { return nil }
        switch ELFBuildID.parse(first) {
        case .id(let id):
            return id
        case .notELF:
            return nil
        case .none:
            guard first.count == buildIDFirstRead, let bytes = try? FileProbe.readPrefix(path, count: buildIDPrefix),
                  case .id(let id) = ELFBuildID.parse(bytes) else { return nil }
            return id
        }
    }
}
