/// A failed system call, printed like Go's `*os.PathError`:
/// `open /run/flannel/subnet.env: no such file or directory`.
package struct SystemError: Error, Sendable, CustomStringConvertible {
    package let operation: String
    package let path: String?
    package let errno: Errno

    package init(operation: String, path: String? = nil, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    package var description: String {
        if let path { return "\(operation) \(path): \(errno)" }
        return "\(operation): \(errno)"
    }
}
