import CNISystem

/// Runs the firewall tools: a whole rule change in one exec (`iptables-restore --noflush -w`, the
/// ip6 variant, or `nft -f -`), and the scoped reads that batch is computed from. Input text comes
/// from the renderers, never from a shell. Tools are found through `SystemTool` (PATH first).
public enum FirewallBatch {
    public enum Tool: String, Sendable {
        case iptables = "iptables"
        case ip6tables = "ip6tables"
        case iptablesRestore = "iptables-restore"
        case ip6tablesRestore = "ip6tables-restore"
        case iptablesSave = "iptables-save"
        case ip6tablesSave = "ip6tables-save"
        case nft = "nft"

        public static func iptables(ipv6: Bool) -> Tool { ipv6 ? .ip6tables : .iptables }
        public static func restore(ipv6: Bool) -> Tool { ipv6 ? .ip6tablesRestore : .iptablesRestore }
        public static func save(ipv6: Bool) -> Tool { ipv6 ? .ip6tablesSave : .iptablesSave }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let tool: String
        public let status: Int32
        public let stderr: String
        public var description: String { "\(tool) failed (exit \(status)): \(stderr)" }
    }

    /// How many times a batch is rebuilt from fresh reads and applied before its error is
    /// returned: another writer (kube-proxy, a concurrent pod) can change the table between our
    /// read and our write, which makes a batch computed from the read fail as a whole.
    public static let attempts = 3

    public static func path(of tool: Tool) -> String? { SystemTool.find(tool.rawValue) }

    public static func isAvailable(_ tool: Tool) -> Bool { path(of: tool) != nil }

    /// Runs the tool; returns its result whatever the exit status (127 when it is not installed).
    public static func execute(_ tool: Tool, arguments: [String], input: String = "") throws -> ProcessResult {
        guard let exe = path(of: tool) else {
            return ProcessResult(exitStatus: 127, stdout: [],
                                 stderr: Array("\(tool.rawValue) not found in \(SystemTool.searchPath)".utf8), timedOut: false)
        }
        return try Program.run(exe, arguments: arguments, stdin: Array(input.utf8), timeoutSeconds: 60)
    }

    /// Runs the tool with `arguments` and `input` on stdin; throws on a non-zero exit.
    @discardableResult
    public static func run(_ tool: Tool, arguments: [String], input: String = "") throws -> String {
        let r = try execute(tool, arguments: arguments, input: input)
        guard r.exitStatus == 0 else {
            throw Failure(tool: tool.rawValue, status: r.exitStatus, stderr: String(decoding: r.stderr, as: UTF8.self))
        }
        return String(decoding: r.stdout, as: UTF8.self)
    }

    /// `iptables-restore --noflush -w 10` of one table's text (starts with `*nat`, ends with `COMMIT`).
    public static func restore(ipv6: Bool, _ text: String) throws {
        try run(.restore(ipv6: ipv6), arguments: ["--noflush", "-w", "10"], input: text)
    }

    /// `iptables-save -t <table>`: the whole table. Operator tools only (cni-inspect); plugins
    /// read the chains they own through `IptablesTable`.
    public static func save(ipv6: Bool, table: String) throws -> String {
        try run(.save(ipv6: ipv6), arguments: ["-t", table])
    }

    /// `nft -j list ruleset`: every table, read as one listing. Operator tools only (cni-inspect);
    /// plugins read the tables they own through `NftTable`.
    public static func nftRuleset() throws -> NftRuleListing {
        try NftRuleListing(json: try run(.nft, arguments: ["-j", "list", "ruleset"]))
    }

    /// `nft -f -` of a batch.
    public static func nft(_ text: String) throws {
        try run(.nft, arguments: ["-f", "-"], input: text)
    }

    /// Builds and applies a batch up to `attempts` times: `body` reads what it needs, writes
    /// one batch and returns; any error starts it over from fresh reads, the last one is thrown.
    public static func withAttempts(_ attempts: Int = FirewallBatch.attempts, _ body: () throws -> Void) throws {
        var lastError: (any Error)?
        for _ in 0..<max(1, attempts) {
            do {
                try body()
                return
            } catch let error as FirewallTextError {
                throw error  // the same rule text would be refused again
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
    }
}
