import Glibc

/// Feeds a child's stdin and drains its stdout/stderr with poll(2) until both outputs close.
struct PipePump {
    private let input: [UInt8]
    private var inputOffset = 0
    private var inFD: FileDescriptor?
    private var outFD: FileDescriptor?
    private var errFD: FileDescriptor?
    private(set) var stdout: [UInt8] = []
    private(set) var stderr: [UInt8] = []

    init(stdin: [UInt8], inFD: FileDescriptor, outFD: FileDescriptor, errFD: FileDescriptor) {
        self.input = stdin
        self.inFD = inFD
        self.outFD = outFD
        self.errFD = errFD
        if stdin.isEmpty { closeInput() }
    }

    /// Returns true when `deadline` (monotonic seconds) passed before the outputs closed.
    mutating func run(deadline: Double?) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while outFD != nil || errFD != nil {
            var fds: [pollfd] = []
            if let fd = inFD { fds.append(pollfd(fd: fd.rawValue, events: Int16(POLLOUT), revents: 0)) }
            if let fd = outFD { fds.append(pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)) }
            if let fd = errFD { fds.append(pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)) }

            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - system_monotonicSeconds()
                if left <= 0 { return true }
                timeout = Int32(clamping: Int((left * 1000).rounded(.up)))
            }
            let n = system_poll(&fds, timeout)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            for p in fds where p.revents != 0 {
                if let fd = inFD, p.fd == fd.rawValue { feedInput(); continue }
                if let fd = outFD, p.fd == fd.rawValue {
                    if !drain(fd, into: &stdout, &chunk) { outFD = nil }
                } else if let fd = errFD, p.fd == fd.rawValue {
                    if !drain(fd, into: &stderr, &chunk) { errFD = nil }
                }
            }
        }
        return false
    }

    private mutating func feedInput() {
        guard let fd = inFD else { return }
        let n = input.withUnsafeBytes { raw in
            system_write(fd.rawValue, UnsafeRawBufferPointer(rebasing: raw[inputOffset...]))
        }
        if n < 0 {
            if errno == EAGAIN { return }
            closeInput()  // EPIPE: the child stopped reading.
            return
        }
        inputOffset += n
        if inputOffset >= input.count { closeInput() }
    }

    private mutating func closeInput() {
        inFD?.close()
        inFD = nil
    }

    /// Reads once; false at end of file or on error.
    private func drain(_ fd: FileDescriptor, into buffer: inout [UInt8], _ chunk: inout [UInt8]) -> Bool {
        let n = chunk.withUnsafeMutableBytes { system_read(fd.rawValue, $0) }
        if n <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }
}
