import CLinux
import Glibc

/// An open handle on a network namespace (a /proc/<pid>/ns/net or bind-mounted /run/netns file).
package final class NetworkNamespace {
    package let path: String
    private let descriptor: FileDescriptor

    package var fileDescriptor: Int32 { descriptor.rawValue }

    /// NSFS_MAGIC and PROC_SUPER_MAGIC from <linux/magic.h>.
    static let nsfsMagic = Int(NSFS_MAGIC)
    static let procMagic = Int(PROC_SUPER_MAGIC)

    /// Opens `path` read-only. A missing path fails with ENOENT, so DEL can tolerate a vanished
    /// netns; a file on any filesystem but nsfs/proc fails with
    /// `unknown FS magic on "<path>": <hex>` and EINVAL.
    package init(path: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY)
        guard let magic = system_fstatfsType(fd.rawValue) else {
            throw SystemError(operation: "statfs", path: path, errno: .current)
        }
        guard magic == NetworkNamespace.nsfsMagic || magic == NetworkNamespace.procMagic else {
            let hex = String(UInt64(truncatingIfNeeded: magic), radix: 16)
            throw SystemError(operation: "unknown FS magic on \"\(path)\": \(hex)", errno: .invalidArgument)
        }
        self.path = path
        self.descriptor = fd
    }

    /// The calling thread's namespace.
    package static func current() throws(SystemError) -> NetworkNamespace {
        try NetworkNamespace(path: "/proc/thread-self/ns/net")
    }

    /// Switches the CURRENT thread into this namespace, runs `body`, and switches back, also when
    /// `body` throws. Synchronous by design: setns(2) affects only the calling thread. If switching
    /// back fails the process is unusable: a CNI error goes to stdout and the process exits 1.
    package func run<T>(_ body: () throws -> T) throws -> T {
        let original = try NetworkNamespace.current()
        _ = try check(system_setnsNetwork(fileDescriptor), "setns", path)
        defer {
            if system_setnsNetwork(original.fileDescriptor) != 0 {
                NetworkNamespace.abortAfterFailedReturn(Errno.current, from: path)
            }
        }
        return try body()
    }

    /// Same namespace (st_dev and st_ino of the two handles match).
    package func isSame(as other: NetworkNamespace) -> Bool {
        var a = stat(), b = stat()
        guard system_fstat(fileDescriptor, &a) == 0, system_fstat(other.fileDescriptor, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// The namespace inode number, as `ip netns identify` / `readlink /proc/self/ns/net` show it.
    package var inode: UInt64? {
        var st = stat()
        guard system_fstat(fileDescriptor, &st) == 0 else { return nil }
        return UInt64(truncatingIfNeeded: st.st_ino)
    }

    private static func abortAfterFailedReturn(_ errno: Errno, from path: String) -> Never {
        let details = "setns back from \(path): \(errno)".map { $0 == "\"" || $0 == "\\" ? "'" : $0 }
        let json = "{\"code\":999,\"msg\":\"failed to return to the original network namespace\",\"details\":\"\(String(details))\"}\n"
        StandardIO.write(json, fd: 1)
        system_exitImmediately(1)
    }
}
