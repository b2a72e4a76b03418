import CMnl
import CNISystem
import Glibc

/// A netlink socket (NETLINK_ROUTE unless told otherwise) through libmnl, opened close-on-exec in the calling thread's netns.
final class MnlTransport: NetlinkTransport {
    private let socket: OpaquePointer
    let portID: UInt32
    /// Large enough that the kernel never truncates a dump datagram (it sizes them up to 32 KiB).
    private static let receiveBufferSize = 65536
    /// The kernel answers in microseconds; this only bounds a lost reply.
    static let receiveTimeoutSeconds = 10

    init(protocol family: Int32 = NETLINK_ROUTE) throws(Errno) {
        guard let socket = mnl_socket_open2(family, Int32(bitPattern: SOCK_CLOEXEC.rawValue)) else {
            throw Errno.current
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let e = Errno.current
            mnl_socket_close(socket)
            throw e
        }
        let fd = mnl_socket_get_fd(socket)
        // Best effort: errors carry the kernel's text and no copy of our request.
        try? SocketOption.set(fd, level: SOL_NETLINK, option: NETLINK_EXT_ACK, to: 1)
        try? SocketOption.set(fd, level: SOL_NETLINK, option: NETLINK_CAP_ACK, to: 1)
        // A reply the kernel never sends must end as an error, never as a plugin hung for ever.
        try? SocketOption.setReceiveTimeout(fd, seconds: MnlTransport.receiveTimeoutSeconds)
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
    }

    deinit { mnl_socket_close(socket) }

    func send(_ message: [UInt8]) throws(Errno) {
        while true {
            let n = message.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
            if n >= 0 { return }
            let e = Errno.current
            if e != .interrupted { throw e }
        }
    }

    func receive() throws(Errno) -> [UInt8] {
        while true {
            // Uninitialized: a reply fills only what the kernel wrote, so zeroing the 64 KiB
            // buffer first would be pure cost on every request.
            var failure: Errno? = nil
            let reply = [UInt8](unsafeUninitializedCapacity: MnlTransport.receiveBufferSize) { buffer, count in
                let n = mnl_socket_recvfrom(socket, buffer.baseAddress, buffer.count)
                if n >= 0 {
                    count = n
                } else {
                    failure = Errno.current
                    count = 0
                }
            }
            guard let e = failure else { return reply }
            if e == .wouldBlock { throw Errno.timedOut }
            if e != .interrupted { throw e }
        }
    }
}
