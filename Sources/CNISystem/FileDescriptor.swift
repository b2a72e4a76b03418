import Glibc

/// An owned file descriptor, closed when the object goes away. Always opened O_CLOEXEC.
public final class FileDescriptor {
    public let rawValue: Int32
    private var isClosed = false

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) { self.rawValue = rawValue }

    deinit { if !isClosed { system_close(rawValue) } }

    /// open(2) with O_CLOEXEC added.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(SystemError) -> FileDescriptor {
        let fd = try check(system_open(path, flags, mode), "open", path)
        return FileDescriptor(owning: fd)
    }

    /// Closes now instead of at deinit.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        system_close(rawValue)
    }

    /// Reads until end of file, failing with EFBIG past `limit` bytes.
    public func readAll(limit: Int, path: String? = nil) throws(SystemError) -> [UInt8] {
        try FileDescriptor.readToEnd(rawValue, limit: limit, path: path)
    }

    /// The one read loop of files and stdin. The buffer is never zero-filled (only what `read`
    /// returned is kept), and the first read asks for at most `limit + 1` bytes, 4 KiB when the
    /// limit is larger: /proc/sys handlers allocate and zero a kernel buffer of the requested size
    /// on every read, and state files are a few dozen bytes. Reads grow to 64 KiB for large inputs.
    static func readToEnd(_ fd: Int32, limit: Int, path: String?) throws(SystemError) -> [UInt8] {
        var out: [UInt8] = []
        var chunkSize = max(1, min(limit + 1, 4096))
        let maxChunk = 65536
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxChunk, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = system_read(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[0..<chunkSize]))
            if n < 0 { throw SystemError(operation: "read", path: path, errno: .current) }
            if n == 0 { return out }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if out.count > limit { throw SystemError(operation: "read", path: path, errno: .fileTooLarge) }
            if n == chunkSize { chunkSize = min(maxChunk, chunkSize * 2) }
        }
    }

    /// Writes every byte, looping over partial writes.
    public func writeAll(_ bytes: [UInt8], path: String? = nil) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                system_write(rawValue, UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            if n < 0 { throw SystemError(operation: "write", path: path, errno: .current) }
            offset += n
        }
    }

    /// fsync(2)
    public func sync(path: String? = nil) throws(SystemError) {
        _ = try check(system_fsync(rawValue), "sync", path)
    }
}
