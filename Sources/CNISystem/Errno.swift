import Glibc

/// A POSIX error number, as the kernel or libc reported it.
///
/// Callers match on it: `catch let e as SystemError where e.errno == .noSuchFileOrDirectory`.
/// `description` is strerror's text lowercased, as Go's `syscall.Errno` prints it.
package struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: Int32

    package init(_ rawValue: Int32) { self.rawValue = rawValue }
    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    package static var current: Errno { Errno(errno) }

    /// ENOENT
    package static var noSuchFileOrDirectory: Errno { Errno(ENOENT) }
    /// EEXIST
    package static var fileExists: Errno { Errno(EEXIST) }
    /// ENODEV
    package static var noSuchDevice: Errno { Errno(ENODEV) }
    /// ESRCH
    package static var noSuchProcess: Errno { Errno(ESRCH) }
    /// EPERM
    package static var notPermitted: Errno { Errno(EPERM) }
    /// EACCES
    package static var permissionDenied: Errno { Errno(EACCES) }
    /// EINVAL
    package static var invalidArgument: Errno { Errno(EINVAL) }
    /// EBUSY
    package static var busy: Errno { Errno(EBUSY) }
    /// EAGAIN
    package static var wouldBlock: Errno { Errno(EAGAIN) }
    /// EINTR
    package static var interrupted: Errno { Errno(EINTR) }
    /// EADDRNOTAVAIL
    package static var addressNotAvailable: Errno { Errno(EADDRNOTAVAIL) }
    /// EOPNOTSUPP
    package static var notSupported: Errno { Errno(EOPNOTSUPP) }
    /// ENOBUFS
    package static var noBufferSpace: Errno { Errno(ENOBUFS) }
    /// EMFILE
    package static var tooManyOpenFiles: Errno { Errno(EMFILE) }
    /// ENOTDIR
    package static var notDirectory: Errno { Errno(ENOTDIR) }
    /// EISDIR
    package static var isDirectory: Errno { Errno(EISDIR) }
    /// EFBIG
    package static var fileTooLarge: Errno { Errno(EFBIG) }
    /// ETIMEDOUT
    package static var timedOut: Errno { Errno(ETIMEDOUT) }
    /// ENETUNREACH
    package static var networkUnreachable: Errno { Errno(ENETUNREACH) }
    /// EHOSTUNREACH
    package static var hostUnreachable: Errno { Errno(EHOSTUNREACH) }
    /// EPROTO
    package static var protocolError: Errno { Errno(EPROTO) }
    /// ENOSPC
    package static var noSpace: Errno { Errno(ENOSPC) }
    /// ERANGE
    package static var outOfRange: Errno { Errno(ERANGE) }
    /// EPIPE
    package static var brokenPipe: Errno { Errno(EPIPE) }
    /// EMSGSIZE
    package static var messageTooLong: Errno { Errno(EMSGSIZE) }

    package var description: String {
        guard let text = system_strerror(rawValue) else { return "errno \(rawValue)" }
        var bytes = Array(text.utf8)
        // Go lowercases the first letter ("No such file" -> "no such file").
        if let first = bytes.first, first >= 0x41, first <= 0x5A { bytes[0] = first + 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
