import CNISystem

/// A failed netlink request. The kernel's errno survives, so DEL can
/// `catch let e as NetlinkError where e.errno == .noSuchDevice` (or `catch Errno.noSuchDevice`).
package struct NetlinkError: Error, ErrnoCarrying, Sendable, CustomStringConvertible {
    package let errno: Errno
    /// What was attempted, e.g. `add address 10.0.0.1/24 to cni0`.
    package let operation: String
    /// The kernel's extended-ack text, when it sent one.
    package let kernelMessage: String?

    package init(errno: Errno, operation: String, kernelMessage: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.kernelMessage = kernelMessage
    }

    package var description: String {
        if let kernelMessage, !kernelMessage.isEmpty { return "\(operation): \(errno) (\(kernelMessage))" }
        return "\(operation): \(errno)"
    }
}
