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
        m.header(Self.familyHeader(family))
        try m.nest(Int(CTA_TUPLE_ORIG.rawValue), flagged: true) { m throws(NetlinkError) in
            try m.nest(Int(CTA_TUPLE_PROTO.rawValue), flagged: true) { m throws(NetlinkError) in
                try m.put(Int(CTA_PROTO_NUM.rawValue), u8: protocolNumber)
                try m.put(Int(CTA_PROTO_DST_PORT.rawValue), be16: destinationPort)
            }
        }
        try m.nest(Int(CTA_FILTER.rawValue), flagged: true) { m throws(NetlinkError) in
            try m.put(Int(CTA_FILTER_ORIG_FLAGS.rawValue), u32: Self.filterProtocolNumber | Self.filterDestinationPort)
        }
        let messages = try execute(m, "list conntrack entries (proto \(protocolNumber) dport \(destinationPort))")
        return messages.compactMap(Self.entry(from:)).filter {
            $0.original.protocolNumber == protocolNumber && $0.original.destinationPort == destinationPort
                && $0.original.destination.family == family
        }
    }

    /// Deletes one entry by its original tuple. ENOENT (gone meanwhile) is not an error.
    public func deleteConntrack(_ entry: ConntrackEntry) throws {
        var m = NetlinkRequest(type: Self.ctnetlink(IPCTNL_MSG_CT_DELETE))
        m.header(Self.familyHeader(entry.original.destination.family))
        try Self.putTuple(entry.original, into: &m)
        if entry.zone != 0 { try m.put(Int(CTA_ZONE.rawValue), be16: entry.zone) }
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

    /// `struct nfgenmsg`: family, NFNETLINK_V0, res_id 0.
    static func familyHeader(_ family: IPAddress.Family) -> nfgenmsg {
        nfgenmsg(nfgen_family: UInt8(family == .v4 ? AF_INET : AF_INET6), version: UInt8(NFNETLINK_V0), res_id: 0)
    }

    static func putTuple(_ tuple: ConntrackEntry.Tuple, into m: inout NetlinkRequest) throws(NetlinkError) {
        let v4 = tuple.destination.family == .v4
        try m.nest(Int(CTA_TUPLE_ORIG.rawValue), flagged: true) { m throws(NetlinkError) in
            try m.nest(Int(CTA_TUPLE_IP.rawValue), flagged: true) { m throws(NetlinkError) in
                try m.put(Int(v4 ? CTA_IP_V4_SRC.rawValue : CTA_IP_V6_SRC.rawValue), bytes: tuple.source.bytes)
                try m.put(Int(v4 ? CTA_IP_V4_DST.rawValue : CTA_IP_V6_DST.rawValue), bytes: tuple.destination.bytes)
            }
            try m.nest(Int(CTA_TUPLE_PROTO.rawValue), flagged: true) { m throws(NetlinkError) in
                try m.put(Int(CTA_PROTO_NUM.rawValue), u8: tuple.protocolNumber)
                try m.put(Int(CTA_PROTO_SRC_PORT.rawValue), be16: tuple.sourcePort)
                try m.put(Int(CTA_PROTO_DST_PORT.rawValue), be16: tuple.destinationPort)
            }
        }
    }

    // MARK: - Decoding

    /// An IPCTNL_MSG_CT_NEW message of a dump; nil when it lacks an address or port we need.
    static func entry(from message: NetlinkMessage) -> ConntrackEntry? {
        guard Int(message.type) == ctnetlink(IPCTNL_MSG_CT_NEW) else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<nfgenmsg>.size)
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
