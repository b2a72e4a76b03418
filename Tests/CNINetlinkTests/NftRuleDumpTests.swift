import CNINetlink
import Glibc
import XCTest

/// NFT_MSG_GETCHAIN and the NFT_MSG_GETRULE dump behind portmap's reads on an iptables-nft node,
/// and the parser of the rules they return.
final class NftRuleDumpTests: XCTestCase {
    func testGetChainRequestAndAnswers() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        XCTAssertTrue(try socket.nftChainExists(family: "ip6", table: "nat", chain: "CNI-HOSTPORT-DNAT"))
        XCTAssertEqual(transport.sent, [hex("""
            34000000 040a 0500 01000000 00000000   # nlmsghdr: len 52, NFNL_SUBSYS_NFTABLES<<8 | NFT_MSG_GETCHAIN, REQUEST|ACK
            0a 00 0000                             # nfgenmsg: NFPROTO_IPV6, NFNETLINK_V0
            0800 0100 6e617400                     # NFTA_CHAIN_TABLE "nat"
            1600 0300 434e492d 484f5354 504f5254 2d444e41 5400 0000   # NFTA_CHAIN_NAME "CNI-HOSTPORT-DNAT"
            """)])
        transport.replies = [Kernel.error(-ENOENT, sequence: 2)]
        XCTAssertFalse(try socket.nftChainExists(family: "ip", table: "nat", chain: "CNI-DN-x"), "ENOENT: no such chain (or table)")
        transport.replies = [Kernel.error(-EPERM, sequence: 3)]
        XCTAssertThrowsError(try socket.nftChainExists(family: "ip", table: "nat", chain: "CNI-DN-x"))
        XCTAssertThrowsError(try socket.nftChainExists(family: "decnet", table: "nat", chain: "x"))
    }

    /// The request, and the kernel's answer for the rule iptables-nft 1.8.9 writes for
    /// `-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ`
    /// (captured from Linux 6.18; the comment is an xtables `comment` match there).
    func testRuleDumpOfOneChain() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        let comment = Array("CNI portfwd requiring masquerade".utf8)
        let payload = hex("""
            02 00 0002                             # nfgenmsg: NFPROTO_IPV4, version 0, generation id
            0800 0100 6e617400                     # NFTA_RULE_TABLE "nat"
            1000 0200 504f5354 524f5554 494e4700   # NFTA_RULE_CHAIN "POSTROUTING"
            0c00 0300 00000000 00000008            # NFTA_RULE_HANDLE 8 (big endian)
            a401 0400                              # NFTA_RULE_EXPRESSIONS (420)
              2c01 0100                            #   NFTA_LIST_ELEM (300)
                0a00 0100 6d617463 68000000        #     NFTA_EXPR_NAME "match"
                1c01 0200                          #     NFTA_EXPR_DATA (284)
                  0c00 0100 636f6d6d 656e7400      #       NFTA_MATCH_NAME "comment"
                  0800 0200 00000000               #       NFTA_MATCH_REV 0
                  0401 0300                        #       NFTA_MATCH_INFO: struct xt_comment_info (256)
            """) + comment + [UInt8](repeating: 0, count: 256 - comment.count) + hex("""
              2c00 0100                            #   NFTA_LIST_ELEM (44)
                0c00 0100 636f756e 74657200        #     NFTA_EXPR_NAME "counter"
                1c00 0200                          #     NFTA_EXPR_DATA
                  0c00 0100 00000000 00000000      #       NFTA_COUNTER_BYTES 0
                  0c00 0200 00000000 00000000      #       NFTA_COUNTER_PACKETS 0
              4800 0100                            #   NFTA_LIST_ELEM (72)
                0e00 0100 696d6d65 64696174 65000000   # NFTA_EXPR_NAME "immediate"
                3400 0200                          #     NFTA_EXPR_DATA
                  0800 0100 00000000               #       NFTA_IMMEDIATE_DREG NFT_REG_VERDICT
                  2800 0200                        #       NFTA_IMMEDIATE_DATA
                    2400 0200                      #         NFTA_DATA_VERDICT
                      0800 0100 fffffffd           #           NFTA_VERDICT_CODE NFT_JUMP (-3, big endian)
                      1600 0200 434e492d 484f5354 504f5254 2d4d4153 5100 0000   # NFTA_VERDICT_CHAIN "CNI-HOSTPORT-MASQ"
            """)
        transport.replies = [Kernel.message(type: 0x0a06, flags: 2, sequence: 1, payload), Kernel.done(sequence: 1)]
        let rules = try socket.nftRules(family: "ip", table: "nat", chain: "POSTROUTING")
        XCTAssertEqual(transport.sent, [hex("""
            2c000000 070a 0103 01000000 00000000   # nlmsghdr: len 44, NFNL_SUBSYS_NFTABLES<<8 | NFT_MSG_GETRULE, REQUEST|DUMP
            02 00 0000                             # nfgenmsg: NFPROTO_IPV4, NFNETLINK_V0
            0800 0100 6e617400                     # NFTA_RULE_TABLE "nat": the kernel dumps only this table
            1000 0200 504f5354 524f5554 494e4700   # NFTA_RULE_CHAIN "POSTROUTING": and only this chain
            """)])
        XCTAssertEqual(rules.count, 1)
        let rule = try XCTUnwrap(rules.first)
        XCTAssertEqual(rule.chain, "POSTROUTING")
        XCTAssertEqual(rule.handle, 8)
        XCTAssertEqual(rule.jump, "CNI-HOSTPORT-MASQ")
        XCTAssertEqual(rule.comment, "CNI portfwd requiring masquerade")
        XCTAssertEqual(rule.expressions.map(\.name), ["match", "counter", "immediate"])
        XCTAssertEqual(rule.expressions.first?.extensionName, "comment")
        XCTAssertEqual(rule.targets, [])
    }

    /// Newer iptables-nft and nft keep a comment in the rule's userdata: TLVs {type, length,
    /// value}, NFTNL_UDATA_RULE_COMMENT (0) a NUL-terminated string. A cmp keeps its value, an
    /// xtables target its name and info; accept/drop verdicts are no jump.
    func testUserdataCommentTargetAndCompare() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        let payload = hex("""
            02 00 0000                             # nfgenmsg: NFPROTO_IPV4
            1600 0200 434e492d 484f5354 504f5254 2d4d4153 5100 0000   # NFTA_RULE_CHAIN "CNI-HOSTPORT-MASQ"
            1000 0700 01 02 ffff 00 06 6d61726b 2100   # NFTA_RULE_USERDATA: a type 1 TLV, then type 0 (the comment) "mark!"
            7000 0400                              # NFTA_RULE_EXPRESSIONS
              2400 0100                            #   NFTA_LIST_ELEM
                0800 0100 636d7000                 #     NFTA_EXPR_NAME "cmp"
                1800 0200                          #     NFTA_EXPR_DATA
                  0800 0100 00000001               #       NFTA_CMP_SREG
                  0c00 0300                        #       NFTA_CMP_DATA
                    0800 0100 00200000             #         NFTA_DATA_VALUE 0x2000 (host order)
              2c00 0100                            #   NFTA_LIST_ELEM
                0b00 0100 74617267 657400 00       #     NFTA_EXPR_NAME "target"
                1c00 0200                          #     NFTA_EXPR_DATA
                  0f00 0100 4d415351 55455241 444500 00   # NFTA_TARGET_NAME "MASQUERADE"
                  0800 0300 01020304               #       NFTA_TARGET_INFO
              1c00 0100                            #   NFTA_LIST_ELEM
                0e00 0100 696d6d65 64696174 65000000   # NFTA_EXPR_NAME "immediate"
                0800 0200 04000000                 #     NFTA_EXPR_DATA (no verdict)
            """)
        transport.replies = [Kernel.message(type: 0x0a06, flags: 2, sequence: 1, payload),
                             Kernel.message(type: 0x0a06, flags: 2, sequence: 1, [2, 0, 0, 0]),  // no chain: skipped
                             Kernel.done(sequence: 1)]
        let rules = try socket.nftRules(family: "ip", table: "nat", chain: "CNI-HOSTPORT-MASQ")
        XCTAssertEqual(rules, [NftKernelRule(
            chain: "CNI-HOSTPORT-MASQ",
            expressions: [.init(name: "cmp", data: [0x00, 0x20, 0x00, 0x00]),
                          .init(name: "target", extensionName: "MASQUERADE", data: [1, 2, 3, 4]),
                          .init(name: "immediate")],
            jump: nil, comment: "mark!")])
        XCTAssertEqual(rules.first?.targets, ["MASQUERADE"])
    }
}
