import CNISystem

/// A failed netlink request. The kernel's errno survives, so DEL can
/// `catch let e as NetlinkError where e.errno == .noSuchDevice` (or `catch Errno.noSuchDevice`).
public struct NetlinkError: Error, ErrnoCarrying, Sendable, CustomStringConvertible {
    public let errno: Errno
    /// What was attempted, e.g. `add address 10.0.0.1/24 to cni0`.
    public let operation: String
    /// The kernel's extended-ack text, when it sent one.
    public let kernelMessage: String?

    public init(errno: Errno, operation: String, kernelMessage: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.kernelMessage = kernelMessage
    }

    public var description: String {
        if let kernelMessage, !kernelMessage.isEmpty { return "\(operation): \(errno) (\(kernelMessage))" }
        return "\(operation): \(errno)"
    }
}
