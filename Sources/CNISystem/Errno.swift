import Glibc

/// A POSIX error number, as the kernel or libc reported it.
///
/// Callers match on it: `catch let e as SystemError where e.errno == .noSuchFileOrDirectory`.
/// `description` is strerror's text lowercased, as Go's `syscall.Errno` prints it.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    public static var current: Errno { Errno(errno) }

    /// ENOENT
    public static var noSuchFileOrDirectory: Errno { Errno(ENOENT) }
    /// EEXIST
    public static var fileExists: Errno { Errno(EEXIST) }
    /// ENODEV
    public static var noSuchDevice: Errno { Errno(ENODEV) }
    /// ESRCH
    public static var noSuchProcess: Errno { Errno(ESRCH) }
    /// EPERM
    public static var notPermitted: Errno { Errno(EPERM) }
    /// EACCES
    public static var permissionDenied: Errno { Errno(EACCES) }
    /// EINVAL
    public static var invalidArgument: Errno { Errno(EINVAL) }
    /// EBUSY
    public static var busy: Errno { Errno(EBUSY) }
    /// EAGAIN
    public static var wouldBlock: Errno { Errno(EAGAIN) }
    /// EINTR
    public static var interrupted: Errno { Errno(EINTR) }
    /// EADDRNOTAVAIL
    public static var addressNotAvailable: Errno { Errno(EADDRNOTAVAIL) }
    /// EOPNOTSUPP
    public static var notSupported: Errno { Errno(EOPNOTSUPP) }
    /// ENOBUFS
    public static var noBufferSpace: Errno { Errno(ENOBUFS) }
    /// EMFILE
    public static var tooManyOpenFiles: Errno { Errno(EMFILE) }
    /// ENOTDIR
    public static var notDirectory: Errno { Errno(ENOTDIR) }
    /// EISDIR
    public static var isDirectory: Errno { Errno(EISDIR) }
    /// EFBIG
    public static var fileTooLarge: Errno { Errno(EFBIG) }
    /// ETIMEDOUT
    public static var timedOut: Errno { Errno(ETIMEDOUT) }
    /// ENETUNREACH
    public static var networkUnreachable: Errno { Errno(ENETUNREACH) }
    /// EHOSTUNREACH
    public static var hostUnreachable: Errno { Errno(EHOSTUNREACH) }
    /// EPROTO
    public static var protocolError: Errno { Errno(EPROTO) }
    /// ENOSPC
    public static var noSpace: Errno { Errno(ENOSPC) }
    /// ERANGE
    public static var outOfRange: Errno { Errno(ERANGE) }
    /// EPIPE
    public static var brokenPipe: Errno { Errno(EPIPE) }
    /// EMSGSIZE
    public static var messageTooLong: Errno { Errno(EMSGSIZE) }

    public var description: String {
        guard let text = system_strerror(rawValue) else { return "errno \(rawValue)" }
        var bytes = Array(text.utf8)
        // Go lowercases the first letter ("No such file" -> "no such file").
        if let first = bytes.first, first >= 0x41, first <= 0x5A { bytes[0] = first + 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
