import CNISystem
import CNIValues
import XCTest
@testable import CNINetlink

/// ctnetlink request bytes against annotated hex, and a dump reply decoded (no root needed).
final class ConntrackEncodingTests: XCTestCase {
    private var transport = ScriptedTransport()
    private lazy var socket = NetlinkSocket(transport: transport, firstSequence: 1)

    override func setUp() {
        transport = ScriptedTransport()
        socket = NetlinkSocket(transport: transport, firstSequence: 1)
    }

    private let entry = ConntrackEntry(original: .init(source: IPAddress("10.244.1.5")!, destination: IPAddress("10.0.0.1")!,
                                                       protocolNumber: 17, sourcePort: 40000, destinationPort: 5353))

    func testDeleteOneEntryByItsOriginalTuple() throws {
        try socket.deleteConntrack(entry)
        XCTAssertEqual(transport.sent, [hex("""
            48000000 0201 0500 01000000 00000000   # nlmsghdr: len 72, NFNL_SUBSYS_CTNETLINK<<8 | IPCTNL_MSG_CT_DELETE, REQUEST|ACK, seq 1
            02 00 0000                             # nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
            3400 0180                              # CTA_TUPLE_ORIG | NLA_F_NESTED (52)
              1400 0180                            #   CTA_TUPLE_IP | NLA_F_NESTED (20)
                0800 0100 0af40105                 #     CTA_IP_V4_SRC 10.244.1.5
                0800 0200 0a000001                 #     CTA_IP_V4_DST 10.0.0.1
              1c00 0280                            #   CTA_TUPLE_PROTO | NLA_F_NESTED (28)
                0500 0100 11 000000                #     CTA_PROTO_NUM 17 (udp)
                0600 0200 9c40 0000                #     CTA_PROTO_SRC_PORT 40000 (big-endian)
                0600 0300 14e9 0000                #     CTA_PROTO_DST_PORT 5353 (big-endian)
            """)])
    }

    func testDeleteIPv6EntryInAZone() throws {
        let v6 = ConntrackEntry(original: .init(source: IPAddress("fd00::5")!, destination: IPAddress("fd00::1")!,
                                                protocolNumber: 17, sourcePort: 1, destinationPort: 53), zone: 7)
        try socket.deleteConntrack(v6)
        XCTAssertEqual(transport.sent, [hex("""
            68000000 0201 0500 01000000 00000000   # nlmsghdr: len 104, CT_DELETE
            0a 00 0000                             # nfgenmsg: AF_INET6
            4c00 0180                              # CTA_TUPLE_ORIG (76)
              2c00 0180                            #   CTA_TUPLE_IP (44)
                1400 0300 fd000000 00000000 00000000 00000005   # CTA_IP_V6_SRC fd00::5
                1400 0400 fd000000 00000000 00000000 00000001   # CTA_IP_V6_DST fd00::1
              1c00 0280                            #   CTA_TUPLE_PROTO (28)
                0500 0100 11 000000                #     CTA_PROTO_NUM 17
                0600 0200 0001 0000                #     CTA_PROTO_SRC_PORT 1
                0600 0300 0035 0000                #     CTA_PROTO_DST_PORT 53
            0600 1200 0007 0000                    # CTA_ZONE 7 (big-endian)
            """)])
    }

    func testFilteredDumpRequestAndDecodedReply() throws {
        // One CT_NEW message for the entry above plus one for another port, then NLMSG_DONE.
        func ctNew(_ e: ConntrackEntry) -> [UInt8] {
            let ip = Kernel.attribute(1, e.original.source.bytes) + Kernel.attribute(2, e.original.destination.bytes)
            let proto = Kernel.attribute(1, [e.original.protocolNumber])
                + Kernel.attribute(2, [UInt8(e.original.sourcePort >> 8), UInt8(e.original.sourcePort & 0xFF)])
                + Kernel.attribute(3, [UInt8(e.original.destinationPort >> 8), UInt8(e.original.destinationPort & 0xFF)])
            let tuple = Kernel.attribute(0x8001, Kernel.attribute(0x8001, ip) + Kernel.attribute(0x8002, proto))
            return Kernel.message(type: 0x0100, flags: 2, sequence: 1, [2, 0, 0, 0] + tuple + Kernel.attribute(3, Kernel.le(UInt32(0))))
        }
        let other = ConntrackEntry(original: .init(source: IPAddress("10.244.1.6")!, destination: IPAddress("10.0.0.1")!,
                                                   protocolNumber: 17, sourcePort: 40001, destinationPort: 53))
        transport.replies = [ctNew(entry) + ctNew(other), Kernel.done(sequence: 1)]
        let found = try socket.conntrackEntries(family: .v4, protocolNumber: 17, destinationPort: 5353)
        XCTAssertEqual(found, [entry], "entries of other ports are dropped even when an old kernel ignores the filter")
        XCTAssertEqual(transport.sent, [hex("""
            38000000 0101 0103 01000000 00000000   # nlmsghdr: len 56, CTNETLINK<<8 | IPCTNL_MSG_CT_GET, REQUEST|DUMP
            02 00 0000                             # nfgenmsg: AF_INET
            1800 0180                              # CTA_TUPLE_ORIG | NLA_F_NESTED (24)
              1400 0280                            #   CTA_TUPLE_PROTO | NLA_F_NESTED (20)
                0500 0100 11 000000                #     CTA_PROTO_NUM 17
                0600 0300 14e9 0000                #     CTA_PROTO_DST_PORT 5353
            0c00 1980                              # CTA_FILTER | NLA_F_NESTED (12)
              0800 0100 28000000                   #   CTA_FILTER_ORIG_FLAGS: PROTO_NUM (1<<3) | PROTO_DST_PORT (1<<5)
            """)])
    }

    func testVanishedEntryIsNotAnError() throws {
        transport.replies = [Kernel.error(-ENOENT, sequence: 1)]
        XCTAssertNoThrow(try socket.deleteConntrack(entry))
        transport.replies = [Kernel.error(-EPERM, sequence: 2)]
        XCTAssertThrowsError(try socket.deleteConntrack(entry))
    }
}

/// NFT_MSG_GETTABLE, the probe behind "an nft table that does not exist lists as empty".
final class NftTableProbeTests: XCTestCase {
    func testGetTableRequestAndAnswers() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        XCTAssertTrue(try socket.nftTableExists(family: "inet", name: "cni_plugins_masquerade"))
        XCTAssertEqual(transport.sent, [hex("""
            30000000 010a 0500 01000000 00000000   # nlmsghdr: len 48, NFNL_SUBSYS_NFTABLES<<8 | NFT_MSG_GETTABLE, REQUEST|ACK
            01 00 0000                             # nfgenmsg: NFPROTO_INET, NFNETLINK_V0
            1b00 0100 636e695f 706c7567 696e735f 6d617371 75657261 646500 00   # NFTA_TABLE_NAME "cni_plugins_masquerade"
            """)])
        transport.replies = [Kernel.error(-ENOENT, sequence: 2)]
        XCTAssertFalse(try socket.nftTableExists(family: "ip", name: "cni_hostport"))
        transport.replies = [Kernel.error(-EPERM, sequence: 3)]
        XCTAssertThrowsError(try socket.nftTableExists(family: "ip6", name: "cni_hostport"))
        XCTAssertThrowsError(try socket.nftTableExists(family: "decnet", name: "x"))
    }
}
