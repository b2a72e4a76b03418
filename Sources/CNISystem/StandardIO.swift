import Glibc

/// The CNI channels: config on stdin, result on stdout, logs on stderr.
public enum StandardIO {
    /// Reads `fd` until end of file, failing with EFBIG past `limit` bytes. Does not close `fd`.
    public static func readAll(fd: Int32 = 0, limit: Int) throws(SystemError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { system_read(fd, $0) }
            if n < 0 { throw SystemError(operation: "read", path: "/dev/stdin", errno: .current) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw SystemError(operation: "read", path: "/dev/stdin", errno: .fileTooLarge) }
        }
    }

    /// Writes every byte, looping over partial writes and EINTR. A closed reader (EPIPE) and other
    /// errors are ignored: there is nowhere left to report them. SIGPIPE is blocked meanwhile.
    public static func write(_ bytes: [UInt8], fd: Int32) {
        SignalMask.withBrokenPipeBlocked {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { raw in
                    system_write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    public static func write(_ text: String, fd: Int32) { write(Array(text.utf8), fd: fd) }
}
