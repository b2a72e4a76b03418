import CNISystem
import Foundation

/// Runs helper commands (ip, bridge, iptables, ...) from tests, without a shell.
public enum Command {
    /// A `PATH` for plugin processes started by tests: the system directories tools are found in.
    public static let pluginSearchPath = "/usr/local/sbin:/usr/local/bin:" + SystemTool.fallbackDirectories

    /// Runs `argv` (argv[0] looked up in PATH). `environment` replaces the whole environment when
    /// given. Never throws: a failure to start reads as status 127 with the reason on stderr.
    @discardableResult
    public static func run(_ argv: [String], stdin: String = "", environment: [String: String]? = nil)
        -> (status: Int32, stdout: String, stderr: String)
    {
        guard let name = argv.first else { return (127, "", "empty command") }
        guard let executable = SystemTool.find(name) else {
            return (127, "", "\(name): command not found")
        }
        let env = environment.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
        do {
            let r = try Program.run(executable, arguments: Array(argv.dropFirst()), environment: env,
                                       stdin: Array(stdin.utf8), timeoutSeconds: 120)
            return (r.exitStatus, r.stdoutText, r.stderrText)
        } catch {
            return (127, "", "\(error)")
        }
    }

    /// Like `run`, but throws `CommandFailure` on a non-zero exit; returns stdout.
    @discardableResult
    public static func check(_ argv: [String], stdin: String = "") throws -> String {
        let r = run(argv, stdin: stdin)
        guard r.status == 0 else { throw CommandFailure(argv: argv, status: r.status, stderr: r.stderr) }
        return r.stdout
    }
}

/// A helper command exited non-zero.
public struct CommandFailure: Error, CustomStringConvertible {
    public let argv: [String]
    public let status: Int32
    public let stderr: String

    public var description: String { "\(argv.joined(separator: " ")) exited \(status): \(stderr)" }
}
