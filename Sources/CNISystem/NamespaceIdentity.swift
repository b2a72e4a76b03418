import Glibc

/// What identifies a namespace: the device and inode of its nsfs file (`st_dev`, `st_ino`), as
/// the kernel and `ip netns identify` compare them. Two paths name the same namespace exactly
/// when their identities are equal, whatever the paths (`/proc/<pid>/ns/net`, a bind mount in
/// `/run/netns`).
package struct NamespaceIdentity: Equatable, Hashable, Sendable, CustomStringConvertible {
    package let device: UInt64
    package let inode: UInt64

    package init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The calling thread's network namespace (`/proc/thread-self/ns/net`).
    package static func currentThreadNetwork() throws(SystemError) -> NamespaceIdentity {
        try of(path: currentThreadNetworkPath)
    }

    package static let currentThreadNetworkPath = "/proc/thread-self/ns/net"

    /// The identity of the file at `path`, symlinks followed (`/proc/<pid>/ns/net` is one). Any
    /// file has one; only an nsfs file's can equal a namespace's. stat(2), not open(2): a FIFO or
    /// a device named by a hostile `CNI_NETNS` is never opened (opening a FIFO blocks).
    package static func of(path: String) throws(SystemError) -> NamespaceIdentity {
        var st = stat()
        guard system_stat(path, &st) == 0 else {
            throw SystemError(operation: "stat", path: path, errno: .current)
        }
        return NamespaceIdentity(device: UInt64(truncatingIfNeeded: st.st_dev), inode: UInt64(truncatingIfNeeded: st.st_ino))
    }

    package var description: String { "dev \(device) inode \(inode)" }
}
