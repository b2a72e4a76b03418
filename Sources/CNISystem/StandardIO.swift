import Glibc

/// The CNI channels: config on stdin, result on stdout, logs on stderr.
package enum StandardIO {
    /// Reads `fd` until end of file, failing with EFBIG past `limit` bytes. Does not close `fd`.
    package static func readAll(fd: Int32 = 0, limit: Int) throws(SystemError) -> [UInt8] {
        try FileDescriptor.readToEnd(fd, limit: limit, path: "/dev/stdin")
    }

    /// Writes every byte, looping over partial writes and EINTR. A closed reader (EPIPE) and other
    /// errors are ignored: there is nowhere left to report them. SIGPIPE is blocked meanwhile.
    package static func write(_ bytes: [UInt8], fd: Int32) {
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

    package static func write(_ text: String, fd: Int32) { write(Array(text.utf8), fd: fd) }
}
