import Glibc

/// Thread signal mask helpers.
enum SignalMask {
    /// Runs `body` with SIGPIPE blocked on this thread, so writing to a pipe whose reader has gone
    /// returns EPIPE instead of killing the plugin. A SIGPIPE raised meanwhile is consumed.
    static func withBrokenPipeBlocked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let block = system_signalSet(SIGPIPE)
        let old = system_pthread_sigmask(SIG_BLOCK, block)
        defer {
            if let old, !system_signalSetContains(old, SIGPIPE) {
                if let pending = system_sigpending(), system_signalSetContains(pending, SIGPIPE) {
                    system_sigtimedwaitNow(block)
                }
                _ = system_pthread_sigmask(SIG_SETMASK, old)
            }
        }
        return try body()
    }
}
