/// Whether another process still runs: the one liveness test of temp-file cleanups and the
/// inspector.
public enum ProcessProbe {
    /// Whether process `pid` exists (kill(pid, 0)); nil for a pid that names no single process
    /// (0 or negative). EPERM means it exists, only not ours to signal.
    public static func exists(_ pid: Int32) -> Bool? {
        guard pid > 0 else { return nil }
        if system_kill(pid, 0) == 0 { return true }
        return Errno.current != .noSuchProcess
    }
}
