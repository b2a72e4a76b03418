@testable import BridgePlugin
import XCTest

final class SpoofCheckRulesTests: XCTestCase {
    private let rules = SpoofCheckRules(containerID: "c1", ifname: "eth0")

    func testSetupGolden() {
        XCTAssertEqual(rules.setup(hostInterface: "veth1234abcd", mac: "0a:58:0a:f4:01:02", existing: ""), """
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

    /// `nft -a list table bridge nat` after the setup above (observed with nftables 1.0.6).
    private let listing = """
        table bridge nat { # handle 1
        \tchain PREROUTING { # handle 1
        \t\ttype filter hook prerouting priority dstnat; policy accept;
        \t\tiifname "veth1234" jump cni-br-iface-c1-eth0 comment "macspoofchk-c1-eth0" # handle 4
        \t\tiifname "veth9999" jump cni-br-iface-c1-eth01 comment "macspoofchk-c1-eth01" # handle 9
        \t}

        \tchain cni-br-iface-c1-eth0 { # handle 2
        \t\tjump cni-br-iface-c1-eth0-mac comment "macspoofchk-c1-eth0" # handle 5
        \t}

        \tchain cni-br-iface-c1-eth0-mac { # handle 3
        \t\tether saddr 0a:58:0a:f4:01:02 return comment "macspoofchk-c1-eth0" # handle 6
        \t\tdrop comment "macspoofchk-c1-eth0" # handle 7
        \t}
        }
        """

    func testTeardownDeletesOnlyOurJumpAndChains() {
        XCTAssertEqual(rules.teardown(existing: listing), """
            delete rule bridge nat PREROUTING handle 4
            flush chain bridge nat cni-br-iface-c1-eth0
            flush chain bridge nat cni-br-iface-c1-eth0-mac
            delete chain bridge nat cni-br-iface-c1-eth0
            delete chain bridge nat cni-br-iface-c1-eth0-mac

            """)
        XCTAssertNil(rules.teardown(existing: ""))
    }

    func testRepeatedSetupReplacesTheOldJump() {
        XCTAssertTrue(rules.setup(hostInterface: "vethnew", mac: "0a:58:0a:f4:01:02", existing: listing)
            .contains("delete rule bridge nat PREROUTING handle 4\n"))
    }

    func testOddInterfaceNamesAreRejectedBeforeTheyReachNft() {
        XCTAssertTrue(rules.hasValidChainNames)
        XCTAssertFalse(SpoofCheckRules(containerID: "c1", ifname: "eth;0").hasValidChainNames)
        XCTAssertFalse(SpoofCheckRules(containerID: "c1", ifname: "eth{0").hasValidChainNames)
    }
}
