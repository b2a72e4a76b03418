import Glibc

/// setsockopt(2) on a socket the caller owns (the netlink transport's).
package enum SocketOption {
    /// Sets an `int` option such as `NETLINK_EXT_ACK` at `level` (`SOL_NETLINK`, `SOL_SOCKET`).
    package static func set(_ fd: Int32, level: Int32, option: Int32, to value: Int32) throws(Errno) {
        guard system_setsockopt(fd, level, option, value) == 0 else { throw Errno.current }
    }

    /// SO_RCVTIMEO: a receive that waits longer fails with EAGAIN.
    package static func setReceiveTimeout(_ fd: Int32, seconds: Int) throws(Errno) {
        let timeout = timeval(tv_sec: seconds, tv_usec: 0)
        guard system_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout) == 0 else { throw Errno.current }
    }
}
