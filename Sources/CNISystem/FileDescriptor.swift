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
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { system_read(rawValue, $0) }
            if n < 0 { throw SystemError(operation: "read", path: path, errno: .current) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw SystemError(operation: "read", path: path, errno: .fileTooLarge) }
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
