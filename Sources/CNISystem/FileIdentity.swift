import Glibc

/// A file's device and inode, following symlinks: tells whether two paths are one file.
package struct FileIdentity: Hashable, Sendable {
    package let device: UInt64
    package let inode: UInt64

    package init?(path: String) {
        var st = stat()
        guard system_stat(path, &st) == 0 else { return nil }
        device = UInt64(truncatingIfNeeded: st.st_dev)
        inode = UInt64(truncatingIfNeeded: st.st_ino)
    }
}
