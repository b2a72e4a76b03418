import CMnl
import CNISystem
import CNIValues
import Glibc

/// ctnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_CTNETLINK): what `conntrack -L` / `-D`
/// do, without exec'ing the tool. Use on a socket from `NetlinkSocket.netfilter()`.
extension NetlinkSocket {
    /// The entries of `family` whose original tuple has `protocolNumber` and destination port
    /// `destinationPort`. The kernel filters the dump itself (CTA_FILTER, Linux 5.8+); older
    /// kernels ignore the filter and send every entry, so the match is checked here too.
    public func conntrackEntries(family: IPAddress.Family, protocolNumber: UInt8, destinationPort: UInt16) throws -> [ConntrackEntry] {
        var m = NetlinkRequest(type: Self.ctnetlink(IPCTNL_MSG_CT_GET), dump: true)
        m.header(bytes: Self.nfgenmsg(family))
        let proto = Self.tlv(CTA_PROTO_NUM.rawValue, [protocolNumber])
            + Self.tlv(CTA_PROTO_DST_PORT.rawValue, Self.bigEndian(destinationPort))
        try m.put(Self.nested(CTA_TUPLE_ORIG.rawValue), bytes: Self.tlv(Self.nested(CTA_TUPLE_PROTO.rawValue), proto))
        try m.put(Self.nested(CTA_FILTER.rawValue),
              bytes: Self.tlv(CTA_FILTER_ORIG_FLAGS.rawValue, Self.raw(Self.filterProtocolNumber | Self.filterDestinationPort)))
        let messages = try execute(m, "list conntrack entries (proto \(protocolNumber) dport \(destinationPort))")
        return messages.compactMap(Self.entry(from:)).filter {
            $0.original.protocolNumber == protocolNumber && $0.original.destinationPort == destinationPort
                && $0.original.destination.family == family
        }
    }

    /// Deletes one entry by its original tuple. ENOENT (gone meanwhile) is not an error.
    public func deleteConntrack(_ entry: ConntrackEntry) throws {
        var m = NetlinkRequest(type: Self.ctnetlink(IPCTNL_MSG_CT_DELETE))
        m.header(bytes: Self.nfgenmsg(entry.original.destination.family))
        try Self.putTuple(entry.original, into: &m)
        if entry.zone != 0 { try m.put(Int(CTA_ZONE.rawValue), bytes: Self.bigEndian(entry.zone)) }
        let outcome: Result<[NetlinkMessage], NetlinkError> = Result { () throws(NetlinkError) in
            try execute(m, "delete conntrack entry \(entry)")
        }
        if case .failure(let error) = outcome, error.errno != .noSuchFileOrDirectory { throw error }
    }

    /// Deletes every entry of `family` with `protocolNumber` and original destination port
    /// `destinationPort` (`conntrack -D -f <family> -p udp --orig-port-dst <port>`); returns how many.
    @discardableResult
    public func deleteConntrack(family: IPAddress.Family, protocolNumber: UInt8, destinationPort: UInt16) throws -> Int {
        let entries = try conntrackEntries(family: family, protocolNumber: protocolNumber, destinationPort: destinationPort)
        for entry in entries { try deleteConntrack(entry) }
        return entries.count
    }

    // MARK: - Encoding

    /// CTA_FILTER_FLAG_CTA_PROTO_NUM, CTA_FILTER_FLAG_CTA_PROTO_DST_PORT (`nf_conntrack_netlink.c`).
    static let filterProtocolNumber: UInt32 = 1 << 3
    static let filterDestinationPort: UInt32 = 1 << 5

    static func ctnetlink(_ message: cntl_msg_types) -> Int {
        Int(NFNL_SUBSYS_CTNETLINK) << 8 | Int(message.rawValue)
    }

    /// `struct nfgenmsg`: family, NFNETLINK_V0, res_id 0 (big-endian).
    static func nfgenmsg(_ family: IPAddress.Family) -> [UInt8] {
        [family == .v4 ? UInt8(AF_INET) : UInt8(AF_INET6), UInt8(NFNETLINK_V0), 0, 0]
    }

    static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func putTuple(_ tuple: ConntrackEntry.Tuple, into m: inout NetlinkRequest) throws(NetlinkError) {
        let v4 = tuple.destination.family == .v4
        let ip = tlv(v4 ? CTA_IP_V4_SRC.rawValue : CTA_IP_V6_SRC.rawValue, tuple.source.bytes)
            + tlv(v4 ? CTA_IP_V4_DST.rawValue : CTA_IP_V6_DST.rawValue, tuple.destination.bytes)
        let proto = tlv(CTA_PROTO_NUM.rawValue, [tuple.protocolNumber])
            + tlv(CTA_PROTO_SRC_PORT.rawValue, bigEndian(tuple.sourcePort))
            + tlv(CTA_PROTO_DST_PORT.rawValue, bigEndian(tuple.destinationPort))
        try m.put(nested(CTA_TUPLE_ORIG.rawValue), bytes: tlv(nested(CTA_TUPLE_IP.rawValue), ip) + tlv(nested(CTA_TUPLE_PROTO.rawValue), proto))
    }

    /// An attribute type with NLA_F_NESTED set.
    static func nested(_ type: UInt32) -> Int { Int(type) | Int(cmnl_nla_f_nested()) }
    static func nested(_ type: Int) -> Int { type | Int(cmnl_nla_f_nested()) }

    /// One attribute (length, type, value, padding to 4 bytes), for building nests as bytes.
    static func tlv(_ type: UInt32, _ value: [UInt8]) -> [UInt8] { tlv(Int(type), value) }
    static func tlv(_ type: Int, _ value: [UInt8]) -> [UInt8] {
        var out = raw(UInt16(truncatingIfNeeded: value.count + 4)) + raw(UInt16(truncatingIfNeeded: type)) + value
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    static func raw<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    // MARK: - Decoding

    /// An IPCTNL_MSG_CT_NEW message of a dump; nil when it lacks an address or port we need.
    static func entry(from message: NetlinkMessage) -> ConntrackEntry? {
        guard Int(message.type) == ctnetlink(IPCTNL_MSG_CT_NEW) else { return nil }
        let attributes = message.attributes(afterHeader: 4)
        guard let tuple = attributes.nested(Int(CTA_TUPLE_ORIG.rawValue)),
              let ip = tuple.nested(Int(CTA_TUPLE_IP.rawValue)),
              let proto = tuple.nested(Int(CTA_TUPLE_PROTO.rawValue)),
              let number = proto.u8(Int(CTA_PROTO_NUM.rawValue)),
              let sport = proto[Int(CTA_PROTO_SRC_PORT.rawValue)].flatMap(bigEndianU16),
              let dport = proto[Int(CTA_PROTO_DST_PORT.rawValue)].flatMap(bigEndianU16)
        else { return nil }
        let source = ip[Int(CTA_IP_V4_SRC.rawValue)] ?? ip[Int(CTA_IP_V6_SRC.rawValue)]
        let destination = ip[Int(CTA_IP_V4_DST.rawValue)] ?? ip[Int(CTA_IP_V6_DST.rawValue)]
        guard let src = source.flatMap({ IPAddress(bytes: Array($0)) }),
              let dst = destination.flatMap({ IPAddress(bytes: Array($0)) }) else { return nil }
        let zone = attributes[Int(CTA_ZONE.rawValue)].flatMap(bigEndianU16) ?? 0
        return ConntrackEntry(original: .init(source: src, destination: dst, protocolNumber: number,
                                              sourcePort: sport, destinationPort: dport), zone: zone)
    }

    static func bigEndianU16(_ bytes: ArraySlice<UInt8>) -> UInt16? {
        guard bytes.count >= 2 else { return nil }
        let a = bytes[bytes.startIndex], b = bytes[bytes.index(after: bytes.startIndex)]
        return UInt16(a) << 8 | UInt16(b)
    }
}
