/// The running process: its id, its user, and how it ends.
package enum CurrentProcess {
    /// getpid(2)
    package static var id: Int32 { system_getpid() }

    /// Whether the real user is root (getuid(2) == 0).
    package static var isRoot: Bool { system_getuid() == 0 }

    /// exit(3) with `status`.
    package static func exit(_ status: Int32) -> Never { system_exit(status) }

    /// Wall-clock seconds since the epoch (time(2)).
    package static var wallClockSeconds: Int { system_time() }
}
