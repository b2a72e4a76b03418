/// How a child process ended and what it printed.
package struct ProcessResult: Sendable {
    /// The exit code, or 128 + signal number when a signal ended it (as a shell reports it).
    package let exitStatus: Int32
    /// The terminating signal, if any.
    package let signal: Int32?
    package let stdout: [UInt8]
    package let stderr: [UInt8]
    /// True when `Program.run` killed the child because its timeout passed.
    package let timedOut: Bool

    package init(exitStatus: Int32, signal: Int32? = nil, stdout: [UInt8], stderr: [UInt8], timedOut: Bool = false) {
        self.exitStatus = exitStatus
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    package var succeeded: Bool { exitStatus == 0 && signal == nil }
    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
