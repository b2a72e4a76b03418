import CMnl
import CNISystem
import Glibc

/// Typed rtnetlink. Links, addresses and routes live in extensions, one file per object kind.
///
/// Every request asks for an ACK and checks it; kernel errors arrive as `NetlinkError` with the
/// errno preserved. Not thread-safe: one socket per thread of use.
public final class NetlinkSocket {
    private let transport: NetlinkTransport
    private var sequence: UInt32

    /// A NETLINK_ROUTE socket in the calling thread's network namespace.
    public convenience init() throws {
        let transport: MnlTransport
        do { transport = try MnlTransport() } catch { throw NetlinkError(errno: error, operation: "open netlink socket") }
        self.init(transport: transport, firstSequence: UInt32(truncatingIfNeeded: CurrentProcess.wallClockSeconds))
    }

    /// A NETLINK_NETFILTER socket (conntrack) in the calling thread's network namespace.
    public static func netfilter() throws -> NetlinkSocket {
        let transport: MnlTransport
        do { transport = try MnlTransport(protocol: NETLINK_NETFILTER) } catch {
            throw NetlinkError(errno: error, operation: "open netfilter netlink socket")
        }
        return NetlinkSocket(transport: transport, firstSequence: UInt32(truncatingIfNeeded: CurrentProcess.wallClockSeconds))
    }

    /// A NETLINK_NETFILTER socket opened inside `namespace`, usable from here.
    public static func netfilter(in namespace: NetworkNamespace) throws -> NetlinkSocket {
        try namespace.run { () throws -> NetlinkSocket in try NetlinkSocket.netfilter() }
    }

    /// A socket opened inside `namespace` (switching in and straight back on this thread), then
    /// usable from here: every request acts in that namespace.
    public convenience init(in namespace: NetworkNamespace) throws {
        let transport = try namespace.run { () throws -> MnlTransport in
            do throws(Errno) { return try MnlTransport() } catch {
                throw NetlinkError(errno: error, operation: "open netlink socket in \(namespace.path)")
            }
        }
        self.init(transport: transport, firstSequence: UInt32(truncatingIfNeeded: CurrentProcess.wallClockSeconds))
    }

    /// Over any transport: the test seam.
    public init(transport: NetlinkTransport, firstSequence: UInt32 = 1) {
        self.transport = transport
        self.sequence = firstSequence
    }

    /// Sends `request` and waits for its ACK (collecting any replies sent before it), or for
    /// NLMSG_DONE when it is a dump.
    func execute(_ request: NetlinkRequest, _ operation: @autoclosure () -> String) throws(NetlinkError) -> [NetlinkMessage] {
        let seq = sequence
        sequence &+= 1
        do {
            try transport.send(request.encoded(sequence: seq, portID: 0))
        } catch {
            throw NetlinkError(errno: error, operation: operation())
        }
        let collector = ReplyCollector()
        while true {
            let datagram: [UInt8]
            do { datagram = try transport.receive() } catch { throw NetlinkError(errno: error, operation: operation()) }
            let (result, code) = collector.run(datagram, sequence: seq, portID: transport.portID)
            if result == MNL_CB_STOP { return collector.messages }
            if result == MNL_CB_ERROR {
                throw NetlinkError(errno: Errno(code), operation: operation(), kernelMessage: collector.kernelMessage)
            }
        }
    }

    /// Checks a link name against IFNAMSIZ before it reaches the kernel.
    func validName(_ name: String, _ operation: @autoclosure () -> String) throws(NetlinkError) -> String {
        let length = name.utf8.count
        guard length > 0, length < Int(IFNAMSIZ), !name.utf8.contains(0), !name.contains("/") else {
            throw NetlinkError(errno: .invalidArgument, operation: operation(), kernelMessage: "invalid interface name \"\(name)\"")
        }
        return name
    }

    /// Converts an MTU argument, rejecting values the kernel field can't hold.
    func validMTU(_ mtu: Int, _ operation: @autoclosure () -> String) throws(NetlinkError) -> UInt32 {
        guard let value = UInt32(exactly: mtu), value > 0 else {
            throw NetlinkError(errno: .invalidArgument, operation: operation(), kernelMessage: "invalid MTU \(mtu)")
        }
        return value
    }
}
