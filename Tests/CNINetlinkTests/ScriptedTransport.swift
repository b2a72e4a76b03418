import CNINetlink
import CNISystem
import Glibc

/// A NetlinkTransport that records requests and replays scripted kernel datagrams. When the
/// script runs out it ACKs the last request, so most tests only look at what was sent.
final class ScriptedTransport: NetlinkTransport {
    var portID: UInt32 = 0
    private(set) var sent: [[UInt8]] = []
    var replies: [[UInt8]] = []

    func send(_ message: [UInt8]) throws(Errno) { sent.append(message) }

    /// The next scripted datagram; else an ACK if the last request asked for one; else EAGAIN
    /// (a dump whose script lacks NLMSG_DONE must fail the test, not hang it).
    func receive() throws(Errno) -> [UInt8] {
        if !replies.isEmpty { return replies.removeFirst() }
        guard lastFlags & 0x4 != 0 else { throw Errno.wouldBlock }
        return Kernel.error(0, sequence: lastSequence)
    }

    private var lastFlags: UInt16 {
        guard let last = sent.last, last.count >= 8 else { return 0 }
        return last[6..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
    }

    var lastSequence: UInt32 {
        guard let last = sent.last, last.count >= 12 else { return 0 }
        return last[8..<12].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}

/// Builders for kernel replies (host byte order, as the kernel sends them).
enum Kernel {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }

    static func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }

    static func attribute(_ type: Int, _ value: [UInt8]) -> [UInt8] {
        padded(le(UInt16(value.count + 4)) + le(UInt16(type)) + value)
    }

    static func string(_ type: Int, _ s: String) -> [UInt8] { attribute(type, Array(s.utf8) + [0]) }

    static func message(type: Int32, flags: UInt16 = 0, sequence: UInt32, _ payload: [UInt8]) -> [UInt8] {
        le(UInt32(16 + payload.count)) + le(UInt16(type)) + le(flags) + le(sequence) + le(UInt32(0)) + payload
    }

    /// NLMSG_ERROR: `code` 0 is an ACK; negative is -errno. Optionally with an extended-ack message.
    static func error(_ code: Int32, sequence: UInt32, extack: String? = nil) -> [UInt8] {
        let echoed = le(UInt32(16)) + le(UInt16(0)) + le(UInt16(0)) + le(sequence) + le(UInt32(0))
        var payload = le(code) + echoed
        var flags: UInt16 = 0x100  // NLM_F_CAPPED
        if let extack {
            flags |= 0x200  // NLM_F_ACK_TLVS
            payload += string(1, extack)  // NLMSGERR_ATTR_MSG
        }
        return message(type: 2, flags: flags, sequence: sequence, payload)
    }

    static func done(sequence: UInt32) -> [UInt8] {
        message(type: 3, flags: 2, sequence: sequence, le(Int32(0)))
    }
}

/// Parses annotated hex: whitespace and `|` separate bytes, `#` starts a comment to end of line.
func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    for line in text.split(separator: "\n") {
        let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let digits = code.filter { $0.isHexDigit }
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2, limitedBy: digits.endIndex) ?? digits.endIndex
            if let b = UInt8(digits[i..<j], radix: 16) { out.append(b) }
            i = j
        }
    }
    return out
}
