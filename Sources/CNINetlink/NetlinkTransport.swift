import CNISystem

/// Moves netlink datagrams. The kernel socket is one implementation; tests supply another that
/// records requests and replays canned replies, so message encoding is tested without root.
package protocol NetlinkTransport: AnyObject {
    /// The local port id, checked against replies (0 disables the check).
    var portID: UInt32 { get }
    /// Sends one complete request.
    func send(_ message: [UInt8]) throws(Errno)
    /// Receives one datagram (may hold several messages).
    func receive() throws(Errno) -> [UInt8]
}
