/// One received netlink message: header fields and the payload after `struct nlmsghdr`.
struct NetlinkMessage {
    let type: UInt16
    let flags: UInt16
    /// The family header (ifinfomsg, ifaddrmsg, rtmsg) followed by attributes.
    let payload: ArraySlice<UInt8>

    init?(bytes: [UInt8]) {
        let all = bytes[...]
        guard let length = all.integer(UInt32.self, at: 0),
              let type = all.integer(UInt16.self, at: 4),
              let flags = all.integer(UInt16.self, at: 6),
              Int(length) >= 16, Int(length) <= bytes.count,
              let payload = all.bytes(at: 16, count: Int(length) - 16)
        else { return nil }
        self.type = type
        self.flags = flags
        self.payload = payload
    }

    /// The attributes after a family header of `headerSize` bytes.
    func attributes(afterHeader headerSize: Int) -> NetlinkAttributes {
        NetlinkAttributes(payload.suffix(from: netlinkAligned(headerSize)))
    }
}
