import Glibc

// Every libc call of CNISystem goes through one `system_<name>` wrapper here (swift-system's
// Syscalls.swift model). A few Linux-only calls are hidden behind _GNU_SOURCE in glibc's headers
// and so don't import through the Glibc module; they are bound to their C symbols directly.
// Their signatures use only C-compatible scalar and pointer types.

@_silgen_name("setns")
private func c_setns(_ fd: Int32, _ nstype: Int32) -> Int32
@_silgen_name("pipe2")
private func c_pipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
@_silgen_name("fstatfs")
private func c_fstatfs(_ fd: Int32, _ buf: UnsafeMutableRawPointer) -> Int32

/// `CLONE_NEWNET` from <linux/sched.h> (not imported without _GNU_SOURCE).
let cloneNewNet: Int32 = 0x4000_0000

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

/// pread(2)
func system_pread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ offset: Int64) -> Int {
    retryingInterrupts { pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
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

/// flock(2)
func system_flock(_ fd: Int32, _ operation: Int32) -> Int32 { retryingInterrupts { flock(fd, operation) } }

/// setns(2)
func system_setns(_ fd: Int32, _ nstype: Int32) -> Int32 { c_setns(fd, nstype) }

/// pipe2(2) with O_CLOEXEC.
func system_pipe() -> (read: Int32, write: Int32)? {
    var fds: (Int32, Int32) = (-1, -1)
    let r = withUnsafeMutableBytes(of: &fds) { raw -> Int32 in
        guard let p = raw.baseAddress?.assumingMemoryBound(to: Int32.self) else { return -1 }
        return c_pipe2(p, O_CLOEXEC)
    }
    return r == 0 ? (fds.0, fds.1) : nil
}

/// fstatfs(2), returning only `f_type` (the first field of `struct statfs` on Linux).
func system_fstatfsType(_ fd: Int32) -> Int? {
    // struct statfs is 120 bytes on 64-bit Linux; a larger buffer keeps this layout-agnostic.
    var buffer = [Int](repeating: 0, count: 64)
    let r = buffer.withUnsafeMutableBytes { raw -> Int32 in
        guard let p = raw.baseAddress else { return -1 }
        return retryingInterrupts { c_fstatfs(fd, p) }
    }
    return r == 0 ? buffer.first : nil
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
