/// An error that carries the kernel's errno, so callers can match any layer's error the same way:
/// `catch Errno.noSuchDevice { ... }` or `catch let e as ErrnoCarrying where e.errno == .fileExists`.
package protocol ErrnoCarrying: Error {
    var errno: Errno { get }
}

extension SystemError: ErrnoCarrying {}

extension Errno {
    /// Lets `catch Errno.fileExists` match an `Errno`, `SystemError`, or any `ErrnoCarrying` error.
    package static func ~= (pattern: Errno, error: any Error) -> Bool {
        if let e = error as? Errno { return e == pattern }
        if let e = error as? any ErrnoCarrying { return e.errno == pattern }
        return false
    }
}
