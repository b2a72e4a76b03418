import Glibc

/// Runs helper programs (iptables-restore, nft, delegated plugins) without a shell.
public enum Program {
    /// posix_spawn(3) `executable` (argv[0] = `executable` as given, no PATH lookup, no shell) with
    /// pipes on stdin/stdout/stderr. A poll(2) loop feeds stdin and drains both outputs, so large
    /// output never deadlocks. When `timeoutSeconds` passes, the child gets SIGKILL and the result
    /// has `timedOut == true`. `environment` is the complete "K=V" list; nil inherits ours.
    /// Spawn failures read like Go's: `fork/exec /usr/sbin/nft: no such file or directory`.
    public static func run(
        _ executable: String, arguments: [String], environment: [String]? = nil,
        stdin: [UInt8] = [], timeoutSeconds: Double? = nil
    ) throws(SystemError) -> ProcessResult {
        try SignalMask.withBrokenPipeBlocked { () throws(SystemError) -> ProcessResult in
            guard let inPipe = system_pipe() else { throw SystemError(operation: "pipe", errno: .current) }
            let inRead = FileDescriptor(owning: inPipe.read), inWrite = FileDescriptor(owning: inPipe.write)
            guard let outPipe = system_pipe() else { throw SystemError(operation: "pipe", errno: .current) }
            let outRead = FileDescriptor(owning: outPipe.read), outWrite = FileDescriptor(owning: outPipe.write)
            guard let errPipe = system_pipe() else { throw SystemError(operation: "pipe", errno: .current) }
            let errRead = FileDescriptor(owning: errPipe.read), errWrite = FileDescriptor(owning: errPipe.write)

            let pid = try spawn(executable, [executable] + arguments, environment,
                                stdin: inRead.rawValue, stdout: outWrite.rawValue, stderr: errWrite.rawValue)
            inRead.close(); outWrite.close(); errWrite.close()
            _ = system_setNonBlocking(inWrite.rawValue)

            let deadline = timeoutSeconds.map { system_monotonicSeconds() + max(0, $0) }
            var pump = PipePump(stdin: stdin, inFD: inWrite, outFD: outRead, errFD: errRead)
            let timedOut = pump.run(deadline: deadline)
            if timedOut { system_kill(pid, SIGKILL) }
            return wait(pid, stdout: pump.stdout, stderr: pump.stderr, timedOut: timedOut)
        }
    }

    /// PATH-style lookup: `name` itself when it contains a slash, else the first executable
    /// `<dir>/<name>` in the colon-separated `searchPath` (empty entries are skipped).
    public static func findExecutable(_ name: String, searchPath: String?) -> String? {
        guard !name.isEmpty else { return nil }
        if name.contains("/") { return FileSystem.isExecutable(name) ? name : nil }
        for dir in (searchPath ?? "").split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = dir.hasSuffix("/") ? "\(dir)\(name)" : "\(dir)/\(name)"
            if FileSystem.isExecutable(candidate) { return candidate }
        }
        return nil
    }

    // MARK: - Private

    private static func spawn(
        _ path: String, _ argv: [String], _ environment: [String]?,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) throws(SystemError) -> pid_t {
        let cArgv = CStringArray(argv)
        defer { cArgv.free() }
        let cEnv = CStringArray(environment ?? ProcessEnvironment.entries())
        defer { cEnv.free() }
        switch system_posix_spawn(path, cArgv.pointers, cEnv.pointers, stdin: stdin, stdout: stdout, stderr: stderr) {
        case .success(let pid): return pid
        case .failure(let e): throw SystemError(operation: "fork/exec", path: path, errno: e)
        }
    }

    private static func wait(_ pid: pid_t, stdout: [UInt8], stderr: [UInt8], timedOut: Bool) -> ProcessResult {
        var status: Int32 = 0
        guard system_waitpid(pid, &status, 0) == pid else {
            return ProcessResult(exitStatus: 255, stdout: stdout, stderr: stderr, timedOut: timedOut)
        }
        let termSignal = status & 0x7F
        if termSignal == 0 {
            return ProcessResult(exitStatus: (status >> 8) & 0xFF, stdout: stdout, stderr: stderr, timedOut: timedOut)
        }
        return ProcessResult(exitStatus: 128 + termSignal, signal: termSignal, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}

/// A NULL-terminated `char *[]` for exec, owning strdup'ed copies.
struct CStringArray {
    var pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    func free() { for p in pointers { Glibc.free(p) } }
}

/// The former name of `Program`, kept while branches written against it merge; remove it then.
@available(*, deprecated, renamed: "Program")
public typealias Subprocess = Program
