/// How a child process ended and what it printed.
public struct ProcessResult: Sendable {
    /// The exit code, or 128 + signal number when a signal ended it (as a shell reports it).
    public let exitStatus: Int32
    /// The terminating signal, if any.
    public let signal: Int32?
    public let stdout: [UInt8]
    public let stderr: [UInt8]
    /// True when `Program.run` killed the child because its timeout passed.
    public let timedOut: Bool

    public init(exitStatus: Int32, signal: Int32? = nil, stdout: [UInt8], stderr: [UInt8], timedOut: Bool = false) {
        self.exitStatus = exitStatus
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    public var succeeded: Bool { exitStatus == 0 && signal == nil }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
