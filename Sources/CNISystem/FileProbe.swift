import Glibc

/// Small read-only probes on files the caller does not own (the inspector, the plugin registry).
public enum FileProbe {
    /// Up to `count` bytes from the start of `path` (fewer at end of file): enough for an ELF
    /// header and its notes without reading a whole binary.
    public static func readPrefix(_ path: String, count: Int) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY)
        var failure: Errno? = nil
        // Uninitialized: only the bytes read are kept.
        let out = [UInt8](unsafeUninitializedCapacity: max(0, count)) { buffer, filled in
            filled = 0
            while filled < buffer.count {
                let n = system_read(fd.rawValue, UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[filled...])))
                if n < 0 {
                    failure = .current
                    return
                }
                if n == 0 { return }
                filled += n
            }
        }
        if let failure { throw SystemError(operation: "read", path: path, errno: failure) }
        return out
    }

    /// True when `path` exists as a non-directory (following symlinks) but is not executable.
    public static func isPresentButNotExecutable(_ path: String) -> Bool {
        var st = stat()
        guard system_stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return false }
        return system_access(path, X_OK) != 0
    }
}
