import CMnl

/// Builds one netlink request. Nests read like the tree they encode:
///
///     var m = NetlinkRequest(type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL)
///     m.header(ifinfomsg())
///     try m.put(IFLA_IFNAME, string: "cni0")
///     try m.nest(IFLA_LINKINFO) { m in
///         try m.put(IFLA_INFO_KIND, string: "bridge")
///     }
///
/// NLM_F_REQUEST | NLM_F_ACK are always set (dumps: NLM_F_DUMP instead of an ACK). Integers are in
/// host order, as netlink wants. Length, sequence and port id are filled in by `encoded`.
/// An attribute or nest longer than its 16-bit length field can say fails with EMSGSIZE: the
/// kernel must never receive a request other than the one asked for.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]

    init(type: Int, flags: Int32 = 0, dump: Bool = false) {
        bytes = []
        bytes.reserveCapacity(256)
        var ack = Int32(NLM_F_REQUEST)
        ack |= dump ? Int32(NLM_F_DUMP) : Int32(NLM_F_ACK)
        append(UInt32(0))                                  // nlmsg_len, patched by `encoded`
        append(UInt16(truncatingIfNeeded: type))           // nlmsg_type
        append(UInt16(truncatingIfNeeded: flags | ack))    // nlmsg_flags
        append(UInt32(0))                                  // nlmsg_seq
        append(UInt32(0))                                  // nlmsg_pid
    }

    /// A fixed family header (`ifinfomsg`, `ifaddrmsg`, `rtmsg`, ...), padded to 4 bytes. Also used
    /// for the ifinfomsg that opens a VETH_INFO_PEER nest.
    mutating func header<Header>(_ value: Header) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        pad()
    }

    /// A family header given as bytes (`nfgenmsg`), padded to 4 bytes.
    mutating func header(bytes value: [UInt8]) {
        bytes.append(contentsOf: value)
        pad()
    }

    /// The largest attribute, header included, that the 16-bit `nla_len` can describe.
    static let maximumAttributeLength = Int(UInt16.max)

    mutating func put(_ type: Int, bytes payload: [UInt8]) throws(NetlinkError) {
        guard let length = UInt16(exactly: payload.count + 4) else {
            throw Self.tooLong(type, payload.count + 4)
        }
        append(length)
        append(UInt16(truncatingIfNeeded: type))
        bytes.append(contentsOf: payload)
        pad()
    }

    mutating func put(_ type: Int, u8 value: UInt8) throws(NetlinkError) { try put(type, bytes: [value]) }
    mutating func put(_ type: Int, u16 value: UInt16) throws(NetlinkError) { try put(type, bytes: Self.raw(value)) }
    mutating func put(_ type: Int, u32 value: UInt32) throws(NetlinkError) { try put(type, bytes: Self.raw(value)) }
    mutating func put(_ type: Int, u64 value: UInt64) throws(NetlinkError) { try put(type, bytes: Self.raw(value)) }
    /// In network byte order (ports, conntrack zones), as ctnetlink wants.
    mutating func put(_ type: Int, be16 value: UInt16) throws(NetlinkError) { try put(type, bytes: Self.raw(value.bigEndian)) }
    mutating func put(_ type: Int, i32 value: Int32) throws(NetlinkError) { try put(type, bytes: Self.raw(value)) }
    /// NUL-terminated, as the kernel expects for names and kinds.
    mutating func put(_ type: Int, string: String) throws(NetlinkError) { try put(type, bytes: Array(string.utf8) + [0]) }
    mutating func put<Value>(_ type: Int, struct value: Value) throws(NetlinkError) {
        try put(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    /// A nested attribute. `flagged` sets NLA_F_NESTED (required e.g. for IFLA_PROTINFO on
    /// PF_BRIDGE, which otherwise takes the legacy one-byte form).
    mutating func nest(
        _ type: Int, flagged: Bool = false, _ body: (inout NetlinkRequest) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        let start = bytes.count
        let nestedFlag = flagged ? Int(cmnl_nla_f_nested()) : 0
        append(UInt16(0))
        append(UInt16(truncatingIfNeeded: type | nestedFlag))
        try body(&self)
        guard let length = UInt16(exactly: bytes.count - start) else { throw Self.tooLong(type, bytes.count - start) }
        patch(length, at: start)
    }

    /// The finished message with length, sequence number and port id set.
    func encoded(sequence: UInt32, portID: UInt32) -> [UInt8] {
        var copy = self
        copy.patch(UInt32(truncatingIfNeeded: bytes.count), at: 0)
        copy.patch(sequence, at: 8)
        copy.patch(portID, at: 12)
        return copy.bytes
    }

    // MARK: - Private

    private mutating func append<T: FixedWidthInteger>(_ value: T) { bytes.append(contentsOf: Self.raw(value)) }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        let raw = Self.raw(value)
        guard offset >= 0, offset + raw.count <= bytes.count else { return }
        bytes.replaceSubrange(offset..<(offset + raw.count), with: raw)
    }

    private static func tooLong(_ type: Int, _ length: Int) -> NetlinkError {
        NetlinkError(errno: .messageTooLong,
                     operation: "encode netlink attribute \(type) of \(length) bytes (at most \(maximumAttributeLength))")
    }

    private static func raw<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
