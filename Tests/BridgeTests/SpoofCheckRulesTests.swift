import CNIFirewall
import XCTest
@testable import BridgePlugin

final class SpoofCheckRulesTests: XCTestCase {
    private let rules = SpoofCheckRules(containerID: "c1", ifname: "eth0")

    func testSetupGolden() throws {
        XCTAssertEqual(try rules.setup(hostInterface: "veth1234abcd", mac: "0a:58:0a:f4:01:02", existing: NftRuleListing()), """
            add table bridge nat
            add chain bridge nat PREROUTING { type filter hook prerouting priority -300 ; policy accept ; }
            add chain bridge nat cni-br-iface-c1-eth0
            add chain bridge nat cni-br-iface-c1-eth0-mac
            flush chain bridge nat cni-br-iface-c1-eth0
            flush chain bridge nat cni-br-iface-c1-eth0-mac
            add rule bridge nat PREROUTING iifname "veth1234abcd" jump cni-br-iface-c1-eth0 comment "macspoofchk-c1-eth0"
            add rule bridge nat cni-br-iface-c1-eth0 jump cni-br-iface-c1-eth0-mac comment "macspoofchk-c1-eth0"
            add rule bridge nat cni-br-iface-c1-eth0-mac ether saddr 0a:58:0a:f4:01:02 return comment "macspoofchk-c1-eth0"
            add rule bridge nat cni-br-iface-c1-eth0-mac drop comment "macspoofchk-c1-eth0"

            """)
    }

    /// Table `bridge nat` after the setup above, plus a jump of another attachment (handle 9).
    private var listing: NftRuleListing {
        func rule(_ chain: String, _ handle: Int, _ comment: String) -> NftRuleListing.Rule {
            NftRuleListing.Rule(family: "bridge", table: "nat", chain: chain, handle: handle, comment: comment)
        }
        return NftRuleListing(chains: ["PREROUTING", "cni-br-iface-c1-eth0", "cni-br-iface-c1-eth0-mac"], rules: [
            rule("PREROUTING", 4, "macspoofchk-c1-eth0"), rule("PREROUTING", 9, "macspoofchk-c1-eth01"),
            rule("cni-br-iface-c1-eth0", 5, "macspoofchk-c1-eth0"),
            rule("cni-br-iface-c1-eth0-mac", 6, "macspoofchk-c1-eth0"), rule("cni-br-iface-c1-eth0-mac", 7, "macspoofchk-c1-eth0"),
        ])
    }

    func testTeardownDeletesOnlyOurJumpAndChains() throws {
        XCTAssertEqual(try rules.teardown(existing: listing), """
            delete rule bridge nat PREROUTING handle 4
            flush chain bridge nat cni-br-iface-c1-eth0
            flush chain bridge nat cni-br-iface-c1-eth0-mac
            delete chain bridge nat cni-br-iface-c1-eth0
            delete chain bridge nat cni-br-iface-c1-eth0-mac

            """)
        XCTAssertNil(try rules.teardown(existing: NftRuleListing()))
    }

    func testRepeatedSetupReplacesTheOldJump() throws {
        XCTAssertTrue(try rules.setup(hostInterface: "vethnew", mac: "0a:58:0a:f4:01:02", existing: listing)
            .contains("delete rule bridge nat PREROUTING handle 4\n"))
    }

    func testOddInterfaceNamesAreRejectedBeforeTheyReachNft() {
        XCTAssertTrue(rules.hasValidChainNames)
        XCTAssertFalse(SpoofCheckRules(containerID: "c1", ifname: "eth;0").hasValidChainNames)
        XCTAssertFalse(SpoofCheckRules(containerID: "c1", ifname: "eth{0").hasValidChainNames)
    }
}
