import Foundation
import Glibc

/// A process started with posix_spawn (no shell), so the test knows its pid and can SIGKILL it.
/// stdin comes from a file holding arbitrary bytes (NULs, invalid UTF-8, megabytes); stdout and
/// stderr go to files, read after the process ended (no pipe can fill up and block it).
final class ChildProcess {
    /// How a child ended.
    struct Outcome {
        /// The exit code; nil when a signal ended it.
        let exitCode: Int32?
        /// The terminating signal, if any.
        let signal: Int32?
        let stdout: Data
        let stderr: Data

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        var succeeded: Bool { exitCode == 0 }
        /// As a shell reports it: 128 + signal for a killed process.
        var shellStatus: Int32 { exitCode ?? (128 + (signal ?? 0)) }
        var summary: String {
            let how = exitCode.map { "exit \($0)" } ?? "signal \(signal ?? 0)"
            return "\(how); stdout: \(stdoutText.prefix(2000)); stderr: \(stderrText.prefix(2000))"
        }
    }

    let pid: pid_t
    private let files: [String]
    private var finished: Outcome?

    private init(pid: pid_t, files: [String]) {
        self.pid = pid
        self.files = files
    }

    /// Starts `argv` (argv[0] must be an absolute path) with exactly `environment`.
    /// `scratch` is a directory for the stdin/stdout/stderr files. With `ownProcessGroup` the child
    /// leads a new process group (its pid is the group id), which its own children inherit.
    static func start(_ argv: [String], environment: [String: String], stdin: [UInt8], scratch: String,
                      ownProcessGroup: Bool = false) throws -> ChildProcess {
        let stem = "\(scratch)/p\(nextSerial())"
        let inPath = stem + ".in", outPath = stem + ".out", errPath = stem + ".err"
        guard FileManager.default.createFile(atPath: inPath, contents: Data(stdin)) else {
            throw ChildProcessError("cannot write \(inPath)")
        }
        let inFD = open(inPath, O_RDONLY | O_CLOEXEC)
        let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) } }
        guard inFD >= 0, outFD >= 0, errFD >= 0 else { throw ChildProcessError("cannot open files under \(stem)") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inFD, 0)
        posix_spawn_file_actions_adddup2(&actions, outFD, 1)
        posix_spawn_file_actions_adddup2(&actions, errFD, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgv + cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else { throw ChildProcessError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid, files: [inPath, outPath, errPath])
    }

    /// Runs to completion.
    static func run(_ argv: [String], environment: [String: String], stdin: [UInt8] = [], scratch: String) throws -> Outcome {
        try start(argv, environment: environment, stdin: stdin, scratch: scratch).wait()
    }

    /// SIGKILL to the whole group (the plugin and any helper it spawned, e.g. iptables-restore);
    /// only for children started with `ownProcessGroup`.
    func killGroup() { _ = Glibc.kill(-pid, SIGKILL) }

    /// Waits until no process of the child's group is still running (helpers reparented to init
    /// included; zombies waiting for init to reap them are dead and do not count).
    func waitForGroupToVanish() {
        while Self.liveMembers(ofGroup: pid) > 0 { usleep(2000) }
    }

    /// Processes of group `pgid` not yet dead, from /proc/<pid>/stat (`pid (comm) state ppid pgrp ...`).
    static func liveMembers(ofGroup pgid: pid_t) -> Int {
        var count = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.allSatisfy(\.isNumber) {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, fields[2] == "\(pgid)", fields[0] != "Z", fields[0] != "X" { count += 1 }
        }
        return count
    }

    /// Waits for the process (once) and collects its output.
    @discardableResult
    func wait() -> Outcome {
        if let finished { return finished }
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
        let signal = status & 0x7F
        let out = FileManager.default.contents(atPath: files[1]) ?? Data()
        let err = FileManager.default.contents(atPath: files[2]) ?? Data()
        for f in files { unlink(f) }
        let outcome = Outcome(exitCode: r == pid && signal == 0 ? (status >> 8) & 0xFF : nil,
                              signal: r == pid && signal != 0 ? signal : nil, stdout: out, stderr: err)
        finished = outcome
        return outcome
    }

    private static let serialLock = NSLock()
    nonisolated(unsafe) private static var serial = 0

    private static func nextSerial() -> Int {
        serialLock.lock()
        defer { serialLock.unlock() }
        serial += 1
        return serial
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
