import Glibc

/// Thread signal mask helpers.
enum SignalMask {
    /// Runs `body` with SIGPIPE blocked on this thread, so writing to a pipe whose reader has gone
    /// returns EPIPE instead of killing the plugin. A SIGPIPE raised meanwhile is consumed.
    static func withBrokenPipeBlocked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        var block = sigset_t()
        var old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGPIPE)
        let blocked = pthread_sigmask(SIG_BLOCK, &block, &old) == 0
        let wasBlocked = sigismember(&old, SIGPIPE) == 1
        defer {
            if blocked && !wasBlocked {
                var pending = sigset_t()
                sigemptyset(&pending)
                if sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1 {
                    var zero = timespec(tv_sec: 0, tv_nsec: 0)
                    _ = sigtimedwait(&block, nil, &zero)
                }
                _ = pthread_sigmask(SIG_SETMASK, &old, nil)
            }
        }
        return try body()
    }
}
