import CMnl
import Glibc

/// The context for libmnl's C callbacks (`mnl_cb_t` can't capture): passed as an `Unmanaged`
/// pointer, it keeps every data message and the kernel's extended-ack text.
final class ReplyCollector {
    var messages: [NetlinkMessage] = []
    var kernelMessage: String?

    /// Runs libmnl over one datagram: checks sequence and port, dispatches data messages to
    /// `collect`, NLMSG_ERROR to `error` and NLMSG_DONE to stop.
    /// Returns MNL_CB_OK (more to come), MNL_CB_STOP (done) or MNL_CB_ERROR with the errno.
    func run(_ datagram: [UInt8], sequence: UInt32, portID: UInt32) -> (result: Int32, errno: Int32) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        var control = [mnl_cb_t?](repeating: nil, count: Int(NLMSG_MIN_TYPE))
        // libmnl skips control types whose slot is NULL, so every slot is filled.
        control[Int(NLMSG_NOOP)] = ReplyCollector.ignore
        control[Int(NLMSG_ERROR)] = ReplyCollector.error
        control[Int(NLMSG_DONE)] = ReplyCollector.done
        control[Int(NLMSG_OVERRUN)] = ReplyCollector.overrun
        return datagram.withUnsafeBytes { raw in
            control.withUnsafeMutableBufferPointer { table in
                let r = mnl_cb_run2(raw.baseAddress, raw.count, sequence, portID, ReplyCollector.collect, context,
                                    table.baseAddress, UInt32(truncatingIfNeeded: table.count))
                return (r, Glibc.errno)
            }
        }
    }

    private static let collect: mnl_cb_t = { header, context in
        guard let header, let context else { return MNL_CB_ERROR }
        let collector = Unmanaged<ReplyCollector>.fromOpaque(context).takeUnretainedValue()
        // libmnl has checked that nlmsg_len fits inside the datagram.
        let raw = UnsafeRawBufferPointer(start: header, count: Int(header.pointee.nlmsg_len))
        if let message = NetlinkMessage(bytes: Array(raw)) { collector.messages.append(message) }
        return MNL_CB_OK
    }

    private static let ignore: mnl_cb_t = { _, _ in MNL_CB_OK }

    private static let overrun: mnl_cb_t = { _, _ in
        Glibc.errno = ENOSPC
        return MNL_CB_ERROR
    }

    /// NLMSG_DONE ends a dump; a negative status in it is the dump's error.
    private static let done: mnl_cb_t = { header, _ in
        guard let header else { return MNL_CB_ERROR }
        let raw = UnsafeRawBufferPointer(start: header, count: Int(header.pointee.nlmsg_len))
        let status = NetlinkMessage(bytes: Array(raw))?.payload.integer(Int32.self, at: 0) ?? 0
        if status < 0 {
            Glibc.errno = status == Int32.min ? EINVAL : -status
            return MNL_CB_ERROR
        }
        return MNL_CB_STOP
    }

    /// NLMSG_ERROR: error 0 is the ACK (stop); otherwise set errno and keep the kernel's text.
    private static let error: mnl_cb_t = { header, context in
        guard let header, let context else { return MNL_CB_ERROR }
        let collector = Unmanaged<ReplyCollector>.fromOpaque(context).takeUnretainedValue()
        let raw = UnsafeRawBufferPointer(start: header, count: Int(header.pointee.nlmsg_len))
        guard let message = NetlinkMessage(bytes: Array(raw)),
              let code = message.payload.integer(Int32.self, at: 0)
        else {
            Glibc.errno = EBADMSG
            return MNL_CB_ERROR
        }
        if code == 0 { return MNL_CB_STOP }
        Glibc.errno = code < 0 ? (code == Int32.min ? EINVAL : -code) : code
        if Int32(message.flags) & NLM_F_ACK_TLVS != 0 {
            // nlmsgerr = error + the echoed request header (payload trimmed by NETLINK_CAP_ACK),
            // unless the kernel echoed the whole request.
            let echoedLength = message.payload.integer(UInt32.self, at: 4).map(Int.init) ?? 16
            let capped = Int32(message.flags) & NLM_F_CAPPED != 0
            let tlvOffset = 4 + (capped ? 16 : netlinkAligned(echoedLength))
            let tlvs = NetlinkAttributes(message.payload.suffix(from: tlvOffset))
            collector.kernelMessage = tlvs.string(Int(NLMSGERR_ATTR_MSG.rawValue))
        }
        return MNL_CB_ERROR
    }
}
