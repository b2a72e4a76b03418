import Glibc

/// The test seam of the system layer (swift-system's `ENABLE_MOCKING` idea, without a second
/// build): while a hook is set, its `system_*` wrapper calls it instead of the kernel, so tests
/// reach failure paths the kernel does not produce on demand: a `setns` back that fails (the
/// process must abort), a `posix_spawn` that fails with EAGAIN, an interrupted `flock`.
/// Nothing outside tests sets them; unset, each costs the wrapper one load.
package enum SystemCallHooks {
    /// Replaces setns(2): returns 0, or -1 with errno set.
    nonisolated(unsafe) package static var setns: ((_ fd: Int32, _ nstype: Int32) -> Int32)?
    /// Consulted before posix_spawn(3) with the executable's path: a result is returned instead of
    /// spawning; nil lets the spawn go ahead.
    nonisolated(unsafe) package static var posixSpawn: ((_ path: String) -> Result<pid_t, Errno>?)?
    /// Replaces flock(2): returns 0, or -1 with errno set (EINTR is retried as for the real call).
    nonisolated(unsafe) package static var flock: ((_ fd: Int32, _ operation: Int32) -> Int32)?
}
