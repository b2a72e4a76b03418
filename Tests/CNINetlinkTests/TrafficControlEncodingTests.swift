import XCTest

@testable import CNINetlink

/// tc requests compared against annotated hex, and tc dump replies decoded, without root
/// (x86_64/arm64: little-endian).
final class TrafficControlEncodingTests: XCTestCase {
    private var transport = ScriptedTransport()
    private lazy var socket = NetlinkSocket(transport: transport, firstSequence: 1)

    override func setUp() {
        transport = ScriptedTransport()
        socket = NetlinkSocket(transport: transport, firstSequence: 1)
    }

    func testRootTokenBucket() throws {
        try socket.addTokenBucket(TokenBucket(rate: 1_000_000, limit: 125_000, buffer: 1_562_500), on: InterfaceIndex(7))
        XCTAssertEqual(transport.sent, [hex("""
            58000000 2400 0506 01000000 00000000   # nlmsghdr: len 88, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE
            00 00 0000 07000000 00000100 ffffffff 00000000   # tcmsg: ifindex 7, handle 1:, parent root, info 0
            0800 0100 74626600                     # TCA_KIND "tbf"
            2c00 0200                              # TCA_OPTIONS (44)
              2800 0100                            #   TCA_TBF_PARMS (tc_tbf_qopt)
                00 00 0000 0000 0000 40420f00      #     rate: cell_log 0, linklayer unspec, rate 1000000 B/s
                00 00 0000 0000 0000 00000000      #     peakrate: none
                48e80100 84d71700 00000000         #     limit 125000, buffer 1562500 ticks, mtu 0
            """)])
    }

    func testRateOf2To32BytesOrMoreGoesInRate64AndReplaceReplaces() throws {
        try socket.addTokenBucket(TokenBucket(rate: 5_000_000_000, limit: 1, buffer: 2), on: InterfaceIndex(7), .replacing)
        XCTAssertEqual(transport.sent, [hex("""
            64000000 2400 0505 01000000 00000000   # nlmsghdr: len 100, RTM_NEWQDISC, REQUEST|ACK|REPLACE|CREATE
            00 00 0000 07000000 00000100 ffffffff 00000000   # tcmsg: ifindex 7, handle 1:, parent root
            0800 0100 74626600                     # TCA_KIND "tbf"
            3800 0200                              # TCA_OPTIONS (56)
              2800 0100                            #   TCA_TBF_PARMS
                00 00 0000 0000 0000 00f2052a      #     rate: the low 32 bits
                00 00 0000 0000 0000 00000000      #     peakrate
                01000000 02000000 00000000         #     limit 1, buffer 2, mtu 0
              0c00 0400 00f2052a 01000000          #   TCA_TBF_RATE64 5000000000
            """)])
    }

    func testIngressQdisc() throws {
        try socket.addIngressQdisc(on: InterfaceIndex(7))
        XCTAssertEqual(transport.sent, [hex("""
            30000000 2400 0506 01000000 00000000   # nlmsghdr: len 48, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE
            00 00 0000 07000000 0000ffff f1ffffff 00000000   # tcmsg: ifindex 7, handle ffff:, parent ingress
            0c00 0100 696e6772 65737300            # TCA_KIND "ingress"
            """)])
    }

    func testMatchAllRedirectFilterWithOneMirredAction() throws {
        try socket.addRedirectFilter(on: InterfaceIndex(7), parent: .ingressQdisc, priority: 1, target: InterfaceIndex(9))
        XCTAssertEqual(transport.sent, [hex("""
            94000000 2c00 0506 01000000 00000000   # nlmsghdr: len 148, RTM_NEWTFILTER, REQUEST|ACK|EXCL|CREATE
            00 00 0000 07000000 00000000 0000ffff 00030100   # tcmsg: ifindex 7, handle 0, parent ffff:, prio 1 | htons(ETH_P_ALL)
            0800 0100 75333200                     # TCA_KIND "u32"
            6800 0200                              # TCA_OPTIONS (104)
              2400 0500                            #   TCA_U32_SEL (36)
                01 00 01 00 0000 0000 0000 0000 00000000   # flags TERMINAL, nkeys 1
                00000000 00000000 00000000 00000000        # key: mask 0, value 0 at 0 (matches everything)
              0800 0100 01000100                   #   TCA_U32_CLASSID 1:1
              3800 0700                            #   TCA_U32_ACT (56)
                3400 0100                          #     action order 1 (52)
                  0b00 0100 6d697272 656400 00     #       TCA_ACT_KIND "mirred"
                  2400 0200                        #       TCA_ACT_OPTIONS (36)
                    2000 0200                      #         TCA_MIRRED_PARMS (tc_mirred)
                      00000000 00000000 04000000 00000000 00000000   # index, capab, TC_ACT_STOLEN, refcnt, bindcnt
                      01000000 09000000            #           TCA_EGRESS_REDIR to ifindex 9
            """)])
    }

    func testIFBLink() throws {
        try socket.createIFB(name: "bwp68f1f1eeb62c", mtu: 1450)
        XCTAssertEqual(transport.sent, [hex("""
            50000000 1000 0506 01000000 00000000   # nlmsghdr: len 80, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00 00 0000 00000000 01000000 01000000  # ifinfomsg: flags IFF_UP, change IFF_UP
            1400 0300 62777036 38663166 31656562 36326300   # IFLA_IFNAME "bwp68f1f1eeb62c"
            0800 0400 aa050000                     # IFLA_MTU 1450
            0800 0d00 00000000                     # IFLA_TXQLEN 0
            0c00 1200                              # IFLA_LINKINFO (12)
              0800 0100 69666200                   #   IFLA_INFO_KIND "ifb"
            """)])
    }

    func testDeleteFilterPriorityAndQdisc() throws {
        try socket.deleteFilters(on: InterfaceIndex(7), parent: .clsactIngress, priority: 2)
        try socket.deleteQdisc(on: InterfaceIndex(7), handle: .ingressQdisc, parent: .ingressParent)
        XCTAssertEqual(transport.sent, [hex("""
            2c000000 2d00 0500 01000000 00000000   # nlmsghdr: len 44, RTM_DELTFILTER, REQUEST|ACK
            00 00 0000 07000000 00000000 f2ffffff 00030200   # tcmsg: ifindex 7, parent ffff:fff2 (clsact ingress), prio 2, all
            0800 0100 75333200                     # TCA_KIND "u32": only this kind's filters
            """), hex("""
            24000000 2500 0500 02000000 00000000   # nlmsghdr: len 36, RTM_DELQDISC, REQUEST|ACK
            00 00 0000 07000000 0000ffff f1ffffff 00000000   # tcmsg: ifindex 7, handle ffff:, parent ingress
            """)])
    }

    func testHandlesPrintAsTcDoes() {
        XCTAssertEqual(TCHandle.firstRoot.description, "1:")
        XCTAssertEqual(TCHandle.firstClass.description, "1:1")
        XCTAssertEqual(TCHandle.ingressQdisc.description, "ffff:")
        XCTAssertEqual(TCHandle.clsactIngress.description, "ffff:fff2")
        XCTAssertEqual(TCHandle.root.description, "root")
    }

    // MARK: - Replies

    private func tcmsg(index: Int32, handle: UInt32, parent: UInt32, info: UInt32 = 0) -> [UInt8] {
        [0, 0, 0, 0] + Kernel.le(index) + Kernel.le(handle) + Kernel.le(parent) + Kernel.le(info)
    }

    func testDecodesQdiscDumpWithTokenBucket() throws {
        let parms = [UInt8](repeating: 0, count: 8) + Kernel.le(UInt32(0xFFFF_FFFF))   // rate: ~0, see RATE64
            + [UInt8](repeating: 0, count: 12)
            + Kernel.le(UInt32(41_250_000)) + Kernel.le(UInt32(125_000)) + Kernel.le(UInt32(0))
        let tbf = Kernel.message(type: 36, flags: 2, sequence: 1, tcmsg(index: 7, handle: 0x0001_0000, parent: 0xFFFF_FFFF)
            + Kernel.string(1, "tbf")
            + Kernel.attribute(2, Kernel.attribute(1, parms) + Kernel.attribute(4, Kernel.le(UInt64(5_000_000_000)))))
        let ingress = Kernel.message(type: 36, flags: 2, sequence: 1, tcmsg(index: 7, handle: 0xFFFF_0000, parent: 0xFFFF_FFF1)
            + Kernel.string(1, "ingress"))
        let other = Kernel.message(type: 36, flags: 2, sequence: 1, tcmsg(index: 8, handle: 0, parent: 0xFFFF_FFFF)
            + Kernel.string(1, "noqueue"))
        transport.replies = [tbf + ingress + other, Kernel.done(sequence: 1)]
        let qdiscs = try socket.qdiscs(on: InterfaceIndex(7))
        XCTAssertEqual(qdiscs, [
            Qdisc(interface: InterfaceIndex(7), handle: .firstRoot, parent: .root, kind: "tbf",
                  tokenBucket: TokenBucket(rate: 5_000_000_000, limit: 41_250_000, buffer: 125_000)),
            Qdisc(interface: InterfaceIndex(7), handle: .ingressQdisc, parent: .ingressParent, kind: "ingress"),
        ])
        XCTAssertTrue(qdiscs[0].isRoot)
        XCTAssertTrue(qdiscs[1].isIngressHook)
    }

    func testDecodesRedirectFilterAndIgnoresOtherActions() throws {
        func mirred(eaction: Int32, ifindex: UInt32) -> [UInt8] {
            Kernel.string(1, "mirred") + Kernel.attribute(2, Kernel.attribute(2,
                Kernel.le(UInt32(1)) + Kernel.le(UInt32(0)) + Kernel.le(Int32(4)) + Kernel.le(Int32(1)) + Kernel.le(Int32(1))
                + Kernel.le(eaction) + Kernel.le(ifindex)))
        }
        let selector: [UInt8] = [1, 0, 1, 0] + [UInt8](repeating: 0, count: 12 + 16)
        let options = Kernel.attribute(5, selector) + Kernel.attribute(1, Kernel.le(UInt32(0x0001_0001)))
            + Kernel.attribute(7, Kernel.attribute(1, mirred(eaction: 1, ifindex: 9)) + Kernel.attribute(2, mirred(eaction: 2, ifindex: 10))
                + Kernel.attribute(3, Kernel.string(1, "gact")))
        let hashTable = Kernel.message(type: 44, flags: 2, sequence: 1,
                                       tcmsg(index: 7, handle: 0x8000_0000, parent: 0xFFFF_0000, info: 0x0001_0300) + Kernel.string(1, "u32"))
        let filter = Kernel.message(type: 44, flags: 2, sequence: 1,
                                    tcmsg(index: 7, handle: 0x8000_0800, parent: 0xFFFF_0000, info: 0x0001_0300)
                                    + Kernel.string(1, "u32") + Kernel.attribute(2, options))
        transport.replies = [hashTable + filter, Kernel.done(sequence: 1)]
        let filters = try socket.filters(on: InterfaceIndex(7), parent: .ingressQdisc)
        XCTAssertEqual(filters.count, 2)
        XCTAssertEqual(filters[0].redirectTargets, [])
        XCTAssertFalse(filters[0].matchesAll)
        let f = filters[1]
        XCTAssertEqual(f.priority, 1)
        XCTAssertEqual(f.protocolNumber, NetlinkSocket.allProtocols)
        XCTAssertEqual(f.classID, .firstClass)
        XCTAssertTrue(f.matchesAll)
        XCTAssertEqual(f.redirectTargets, [InterfaceIndex(9)])  // a mirror and a gact are not redirects
    }

    func testTruncatedFilterReplyDecodesWithoutTrapping() throws {
        let filter = Kernel.message(type: 44, flags: 2, sequence: 1, tcmsg(index: 7, handle: 1, parent: 0xFFFF_0000, info: 0x0001_0300)
            + Kernel.string(1, "u32") + Kernel.attribute(2, Kernel.attribute(5, [1, 0, 1]) + Kernel.attribute(7, Kernel.attribute(1,
                Kernel.string(1, "mirred") + Kernel.attribute(2, Kernel.attribute(2, [1, 2, 3]))))))
        transport.replies = [filter, Kernel.done(sequence: 1)]
        let f = try XCTUnwrap(try socket.filters(on: InterfaceIndex(7), parent: .ingressQdisc).first)
        XCTAssertFalse(f.matchesAll)
        XCTAssertEqual(f.redirectTargets, [])
    }
}
