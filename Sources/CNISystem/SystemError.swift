/// A failed system call, printed like Go's `*os.PathError`:
/// `open /run/flannel/subnet.env: no such file or directory`.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String?
    public let errno: Errno

    public init(operation: String, path: String? = nil, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        if let path { return "\(operation) \(path): \(errno)" }
        return "\(operation): \(errno)"
    }
}
