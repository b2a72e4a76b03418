import CLinux
import Glibc

// Every libc call of the suite that reaches the kernel goes through one `system_<name>` wrapper
// here (swift-system's Syscalls.swift model), so `grep system_` lists them all. The rest of the
// suite reaches them through CNISystem's public types (`FileSystem`, `Program`,
// `SocketOption`, `sleep(milliseconds:)`, `CurrentProcess` ...). Linux-only calls that glibc
// declares only under _GNU_SOURCE (setns, pipe2) and `struct statfs` come from the CLinux shim.
// EINTR has one policy: `retryingInterrupts` around calls that may be restarted; the few that
// must not be (close, poll) say so.

/// Retries `body` while it fails with EINTR. `body` returns -1 and sets errno on failure.
@inline(__always)
func retryingInterrupts<T: FixedWidthInteger>(_ body: () -> T) -> T {
    while true {
        let r = body()
        if r == -1 && errno == EINTR { continue }
        return r
    }
}

/// Converts a `-1 + errno` result into a typed error.
@inline(__always)
func check<T: FixedWidthInteger>(_ result: T, _ operation: String, _ path: String?) throws(SystemError) -> T {
    if result == -1 { throw SystemError(operation: operation, path: path, errno: .current) }
    return result
}

/// open(2); always O_CLOEXEC.
func system_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    refusingNUL(path) { retryingInterrupts { open(path, flags | O_CLOEXEC, mode) } }
}

/// close(2). EINTR is not retried: Linux has already released the descriptor.
@discardableResult
func system_close(_ fd: Int32) -> Int32 { close(fd) }

/// read(2)
func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    retryingInterrupts { read(fd, buffer.baseAddress, buffer.count) }
}

/// write(2)
func system_write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    retryingInterrupts { write(fd, buffer.baseAddress, buffer.count) }
}

/// fsync(2)
func system_fsync(_ fd: Int32) -> Int32 { retryingInterrupts { fsync(fd) } }

/// fchmod(2)
func system_fchmod(_ fd: Int32, _ mode: mode_t) -> Int32 { retryingInterrupts { fchmod(fd, mode) } }

/// rename(2)
func system_rename(_ from: String, _ to: String) -> Int32 { refusingNUL(from, to) { rename(from, to) } }

/// link(2)
func system_link(_ from: String, _ to: String) -> Int32 { refusingNUL(from, to) { link(from, to) } }

/// linkat(2) with AT_SYMLINK_FOLLOW, both paths relative to the working directory: with
/// `/proc/self/fd/N` as `from` it names an O_TMPFILE inode (needs no CAP_DAC_READ_SEARCH, unlike
/// AT_EMPTY_PATH).
func system_linkat(_ from: String, _ to: String) -> Int32 {
    refusingNUL(from, to) { linkat(AT_FDCWD, from, AT_FDCWD, to, AT_SYMLINK_FOLLOW) }
}

/// unlink(2)
func system_unlink(_ path: String) -> Int32 { refusingNUL(path) { unlink(path) } }

/// mkdir(2)
func system_mkdir(_ path: String, _ mode: mode_t) -> Int32 { refusingNUL(path) { mkdir(path, mode) } }

/// stat(2)
func system_stat(_ path: String, _ buf: inout stat) -> Int32 { refusingNUL(path) { stat(path, &buf) } }

/// fstat(2)
func system_fstat(_ fd: Int32, _ buf: inout stat) -> Int32 { fstat(fd, &buf) }

/// access(2)
func system_access(_ path: String, _ mode: Int32) -> Int32 { refusingNUL(path) { access(path, mode) } }

/// realpath(3): the absolute path with every symlink resolved; nil on failure.
func system_realpath(_ path: String) -> String? {
    guard !path.utf8.contains(0), let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// flock(2)
func system_flock(_ fd: Int32, _ operation: Int32) -> Int32 {
    if let hook = SystemCallHooks.flock { return retryingInterrupts { hook(fd, operation) } }
    return retryingInterrupts { flock(fd, operation) }
}

/// setns(2)
func system_setns(_ fd: Int32, _ nstype: Int32) -> Int32 {
    if let hook = SystemCallHooks.setns { return hook(fd, nstype) }
    return setns(fd, nstype)
}

/// setns(2) into a network namespace (`CLONE_NEWNET` from <linux/sched.h>, through CLinux).
func system_setnsNetwork(_ fd: Int32) -> Int32 { system_setns(fd, Int32(CLONE_NEWNET)) }

/// opendir(3); glibc opens the directory O_CLOEXEC.
func system_opendir(_ path: String) -> OpaquePointer? {
    if path.utf8.contains(0) {
        errno = EINVAL
        return nil
    }
    return opendir(path)
}

/// readdir(3): nil at the end (errno unchanged) or on an error (errno set).
func system_readdir(_ dir: OpaquePointer) -> UnsafeMutablePointer<dirent>? { readdir(dir) }

/// closedir(3)
@discardableResult
func system_closedir(_ dir: OpaquePointer) -> Int32 { closedir(dir) }

/// setsockopt(2) with a value of any fixed layout (an `Int32` flag, a `timeval`).
func system_setsockopt<T>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: T) -> Int32 {
    withUnsafeBytes(of: value) { raw in setsockopt(fd, level, name, raw.baseAddress, socklen_t(raw.count)) }
}

/// nanosleep(2) for `milliseconds`, resuming after signals until the whole time has passed.
func system_sleep(milliseconds: Int) {
    guard milliseconds > 0 else { return }
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

/// posix_spawn(3) of `path` with descriptors 0, 1, 2 dup2'ed from `stdin`/`stdout`/`stderr`, an
/// empty signal mask and SIGPIPE at its default action (the caller may block or ignore it).
/// Returns the child's pid, or the error number posix_spawn reported.
func system_posix_spawn(
    _ path: String, _ argv: [UnsafeMutablePointer<CChar>?], _ envp: [UnsafeMutablePointer<CChar>?],
    stdin: Int32, stdout: Int32, stderr: Int32
) -> Result<pid_t, Errno> {
    if path.utf8.contains(0) { return .failure(.invalidArgument) }
    if let hook = SystemCallHooks.posixSpawn, let outcome = hook(path) { return outcome }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = system_signalSet()
    var defaults = system_signalSet(SIGPIPE)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    return rc == 0 ? .success(pid) : .failure(Errno(rc))
}

/// sigemptyset(3) + sigaddset(3): a set holding exactly `signals`.
func system_signalSet(_ signals: Int32...) -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    return set
}

/// sigismember(3)
func system_signalSetContains(_ set: sigset_t, _ signal: Int32) -> Bool {
    var copy = set
    return sigismember(&copy, signal) == 1
}

/// pthread_sigmask(3) for the calling thread: applies `how` with `set`, returns the old mask
/// (nil on failure).
func system_pthread_sigmask(_ how: Int32, _ set: sigset_t) -> sigset_t? {
    var new = set
    var old = sigset_t()
    return pthread_sigmask(how, &new, &old) == 0 ? old : nil
}

/// sigpending(2)
func system_sigpending() -> sigset_t? {
    var pending = sigset_t()
    return sigpending(&pending) == 0 ? pending : nil
}

/// sigtimedwait(2) with a zero timeout: consumes one pending signal of `set`, if any.
func system_sigtimedwaitNow(_ set: sigset_t) {
    var wanted = set
    var zero = timespec(tv_sec: 0, tv_nsec: 0)
    _ = sigtimedwait(&wanted, nil, &zero)
}

/// getpid(2)
func system_getpid() -> pid_t { getpid() }

/// getuid(2)
func system_getuid() -> uid_t { getuid() }

/// exit(3): flushes stdio and runs atexit handlers.
func system_exit(_ status: Int32) -> Never { exit(status) }

/// _exit(2): ends the process at once, running nothing (for a thread stuck in the wrong netns).
func system_exitImmediately(_ status: Int32) -> Never { _exit(status) }

/// time(2): wall-clock seconds since the epoch.
func system_time() -> Int { time(nil) }

/// strerror(3)
func system_strerror(_ code: Int32) -> String? { strerror(code).map { String(cString: $0) } }

/// pipe2(2) with O_CLOEXEC.
func system_pipe() -> (read: Int32, write: Int32)? {
    var fds: (Int32, Int32) = (-1, -1)
    let r = withUnsafeMutableBytes(of: &fds) { raw -> Int32 in
        guard let p = raw.baseAddress?.assumingMemoryBound(to: Int32.self) else { return -1 }
        return pipe2(p, O_CLOEXEC)
    }
    return r == 0 ? (fds.0, fds.1) : nil
}

/// fstatfs(2), returning only `f_type`. `struct statfs` comes from the C header (through CLinux),
/// so its layout is the target's own: glibc's x86_64 and aarch64 layouts differ (generic
/// `asm-generic/statfs.h` on aarch64), and `f_type` is a `long` on both.
func system_fstatfsType(_ fd: Int32) -> Int? {
    var info = statfs()
    let r = retryingInterrupts { fstatfs(fd, &info) }
    return r == 0 ? Int(info.f_type) : nil
}

/// fcntl(2) F_GETFL / F_SETFL helper: adds O_NONBLOCK.
func system_setNonBlocking(_ fd: Int32) -> Int32 {
    let flags = fcntl(fd, F_GETFL)
    if flags == -1 { return -1 }
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK)
}

/// waitpid(2)
func system_waitpid(_ pid: pid_t, _ status: inout Int32, _ options: Int32) -> pid_t {
    retryingInterrupts { waitpid(pid, &status, options) }
}

/// poll(2). EINTR is returned, not retried: the caller recomputes its timeout.
func system_poll(_ fds: inout [pollfd], _ timeoutMilliseconds: Int32) -> Int32 {
    poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
}

/// kill(2)
@discardableResult
func system_kill(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }

/// clock_gettime(CLOCK_MONOTONIC) in seconds.
func system_monotonicSeconds() -> Double {
    var ts = timespec()
    _ = clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A Swift string with a NUL would reach the kernel cut short and name another file: such a
/// path fails with EINVAL instead.
func refusingNUL(_ paths: String..., call: () -> Int32) -> Int32 {
    if paths.contains(where: { $0.utf8.contains(0) }) {
        errno = EINVAL
        return -1
    }
    return call()
}
