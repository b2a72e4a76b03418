import CNISystem

/// Applies a whole rule change in one exec: `iptables-restore --noflush -w` (or the ip6
/// variant) or `nft -f -`. Input text comes from the renderers, never from a shell.
public enum FirewallBatch {
    public enum Tool: String, Sendable {
        case iptablesRestore = "iptables-restore"
        case ip6tablesRestore = "ip6tables-restore"
        case iptablesSave = "iptables-save"
        case ip6tablesSave = "ip6tables-save"
        case nft = "nft"
    }

    public struct Failure: Error, CustomStringConvertible {
        public let tool: String
        public let status: Int32
        public let stderr: String
        public var description: String { "\(tool) failed (exit \(status)): \(stderr)" }
    }

    static let searchPath = "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin"

    public static func path(of tool: Tool) -> String? {
        Subprocess.findExecutable(tool.rawValue, searchPath: searchPath)
    }

    public static func isAvailable(_ tool: Tool) -> Bool { path(of: tool) != nil }

    /// Runs the tool with `arguments` and `input` on stdin; throws on a non-zero exit.
    @discardableResult
    public static func run(_ tool: Tool, arguments: [String], input: String = "") throws -> String {
        guard let exe = path(of: tool) else {
            throw Failure(tool: tool.rawValue, status: 127, stderr: "\(tool.rawValue) not found in \(searchPath)")
        }
        let r = try Subprocess.run(exe, arguments: arguments, stdin: Array(input.utf8), timeoutSeconds: 60)
        guard r.exitStatus == 0 else {
            throw Failure(tool: tool.rawValue, status: r.exitStatus, stderr: String(decoding: r.stderr, as: UTF8.self))
        }
        return String(decoding: r.stdout, as: UTF8.self)
    }

    /// `iptables-restore --noflush -w 10` of one table's text (starts with `*nat`, ends with `COMMIT`).
    public static func restore(ipv6: Bool, _ text: String) throws {
        try run(ipv6 ? .ip6tablesRestore : .iptablesRestore, arguments: ["--noflush", "-w", "10"], input: text)
    }

    /// `iptables-save -t <table>`.
    public static func save(ipv6: Bool, table: String) throws -> String {
        try run(ipv6 ? .ip6tablesSave : .iptablesSave, arguments: ["-t", table])
    }

    /// `nft -f -` of a batch.
    public static func nft(_ text: String) throws {
        try run(.nft, arguments: ["-f", "-"], input: text)
    }
}
