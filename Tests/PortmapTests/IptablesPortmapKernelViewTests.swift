import CNIFirewall
import CNINetlink
import CNIValues
import XCTest

@testable import PortmapPlugin

/// The ADD's ruleset rebuilt from nf_tables rules (iptables-nft node) must give exactly the batch
/// the `iptables -S` listing of the same table gives, or nil when it cannot.
final class IptablesPortmapKernelViewTests: XCTestCase {
    let rules = IptablesGoldenTests.rules()
    static let mark: [UInt8] = [0x00, 0x20, 0x00, 0x00]  // 0x2000 in host order (x86, arm64)

    /// The kernel's view of a node where another container's ADD already ran, as iptables-nft
    /// 1.8.9 writes those rules (compat `comment`/`addrtype`/`MARK`/`MASQUERADE`, native mark cmp).
    static func sharedState(setMarkInfo: [UInt8] = mark + mark, masqueradeCompare: [UInt8] = mark)
        -> IptablesPortmapKernelView.SetupRead
    {
        let comment = { (text: String) in NftKernelRule.Expression(name: "match", extensionName: "comment", data: Array(text.utf8) + [0]) }
        let addrtype = NftKernelRule.Expression(name: "match", extensionName: "addrtype")
        let jump = NftKernelRule.Expression(name: "immediate")
        return .init(
            existingChains: ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"],
            rules: [
                "PREROUTING": [NftKernelRule(chain: "PREROUTING", expressions: [addrtype, jump], jump: "CNI-HOSTPORT-DNAT")],
                "OUTPUT": [NftKernelRule(chain: "OUTPUT", expressions: [.init(name: "match", extensionName: "comment"), jump],
                                         jump: "KUBE-SERVICES", comment: "kubernetes service portals"),
                           NftKernelRule(chain: "OUTPUT", expressions: [addrtype, jump], jump: "CNI-HOSTPORT-DNAT")],
                "POSTROUTING": [NftKernelRule(chain: "POSTROUTING", expressions: [comment("CNI portfwd requiring masquerade"), jump],
                                              jump: "CNI-HOSTPORT-MASQ", comment: "CNI portfwd requiring masquerade")],
                "CNI-HOSTPORT-SETMARK": [NftKernelRule(
                    chain: "CNI-HOSTPORT-SETMARK", expressions: [comment("CNI portfwd masquerade mark"), .init(name: "counter"),
                                                                 .init(name: "target", extensionName: "MARK", data: setMarkInfo)],
                    comment: "CNI portfwd masquerade mark")],
                "CNI-HOSTPORT-MASQ": [NftKernelRule(
                    chain: "CNI-HOSTPORT-MASQ", expressions: [.init(name: "meta"), .init(name: "bitwise"),
                                                              .init(name: "cmp", data: masqueradeCompare), .init(name: "counter"),
                                                              .init(name: "target", extensionName: "MASQUERADE")])],
            ])
    }

    /// The `iptables -S` listing of the same state.
    var sharedListing: IptablesRuleset {
        IptablesRuleset(
            chains: ["PREROUTING", "OUTPUT", "POSTROUTING", "CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"],
            rules: IptablesPortmapRules.topLevelJumps + [IptablesPortmapRules.masqueradeJump, rules.setMarkRule, rules.markMasqueradeRule])
    }

    func testQueries() {
        let (exists, dump) = IptablesPortmapKernelView.setupQueries(rules)
        XCTAssertEqual(exists, ["CNI-DN-a0fff058eeb324ed03b3b", "CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"])
        XCTAssertEqual(dump, ["PREROUTING", "OUTPUT", "POSTROUTING", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"])
        let noSNAT = IptablesGoldenTests.rules(PortmapConfig(network: "cbr0", mappings: IptablesGoldenTests.mappings, snat: false))
        XCTAssertEqual(IptablesPortmapKernelView.setupQueries(noSNAT).dump, ["PREROUTING", "OUTPUT"])
    }

    func testEmptyTableGivesTheFirstADDBatch() throws {
        let read = IptablesPortmapKernelView.SetupRead(existingChains: [], rules: [:])
        let existing = try XCTUnwrap(IptablesPortmapKernelView.setupRuleset(rules, read))
        XCTAssertEqual(try IptablesPortmapBatch.setup(rules, existing: existing),
                       try IptablesPortmapBatch.setup(rules, existing: IptablesRuleset()))
    }

    func testSharedStateIsRecognisedAndNotWrittenAgain() throws {
        let existing = try XCTUnwrap(IptablesPortmapKernelView.setupRuleset(rules, Self.sharedState()))
        let batch = try IptablesPortmapBatch.setup(rules, existing: existing)
        XCTAssertEqual(batch, try IptablesPortmapBatch.setup(rules, existing: sharedListing))
        XCTAssertFalse(batch.contains("CNI-HOSTPORT-SETMARK - [0:0]"), batch)
        XCTAssertFalse(batch.contains("-A PREROUTING"), batch)
        XCTAssertFalse(batch.contains("MASQUERADE"), batch)
    }

    func testWhatItCannotTellFallsBackToTheListing() {
        var repeated = Self.sharedState()
        repeated.existingChains.insert(rules.dnatChain)
        XCTAssertNil(IptablesPortmapKernelView.setupRuleset(rules, repeated), "a repeated ADD needs its old rules' text")
        XCTAssertNil(IptablesPortmapKernelView.setupRuleset(rules, Self.sharedState(setMarkInfo: [0, 0x40, 0, 0, 0, 0x40, 0, 0])),
                     "a mark rule of another mark bit")
        XCTAssertNil(IptablesPortmapKernelView.setupRuleset(rules, Self.sharedState(masqueradeCompare: [1, 0, 0, 0])))
        var foreign = Self.sharedState()
        foreign.rules["CNI-HOSTPORT-MASQ", default: []].append(NftKernelRule(chain: "CNI-HOSTPORT-MASQ", expressions: [.init(name: "masq")]))
        XCTAssertNil(IptablesPortmapKernelView.setupRuleset(rules, foreign), "a rule we did not write in our mark chain")
    }

    func testMissingJumpsAreWritten() throws {
        var read = Self.sharedState()
        read.rules["OUTPUT"] = []
        read.rules["POSTROUTING"] = [NftKernelRule(chain: "POSTROUTING", jump: "CNI-HOSTPORT-MASQ", comment: "someone else's")]
        let existing = try XCTUnwrap(IptablesPortmapKernelView.setupRuleset(rules, read))
        let batch = try IptablesPortmapBatch.setup(rules, existing: existing)
        XCTAssertTrue(batch.contains("-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT"), batch)
        XCTAssertTrue(batch.contains("-I POSTROUTING 1 -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ"), batch)
        XCTAssertFalse(batch.contains("-A PREROUTING"), batch)
    }

    func testTeardownWithoutTheContainersChainsHasNothingToDo() {
        XCTAssertTrue(IptablesPortmapKernelView.TeardownRead(containerChainExists: false, legacyChainExists: false).nothingToRemove)
        XCTAssertFalse(IptablesPortmapKernelView.TeardownRead(containerChainExists: true, legacyChainExists: false).nothingToRemove)
        XCTAssertFalse(IptablesPortmapKernelView.TeardownRead(containerChainExists: false, legacyChainExists: true).nothingToRemove)
    }

    func testVariantFromTheResolvedTool() {
        XCTAssertEqual(IptablesVariant.of(resolvedPath: "/usr/sbin/xtables-nft-multi"), .nftables)
        XCTAssertEqual(IptablesVariant.of(resolvedPath: "/var/lib/rancher/k3s/data/abc/bin/aux/iptables-nft"), .nftables)
        XCTAssertEqual(IptablesVariant.of(resolvedPath: "/usr/sbin/xtables-legacy-multi"), .legacy)
        XCTAssertEqual(IptablesVariant.of(resolvedPath: "/usr/sbin/iptables-legacy"), .legacy)
        XCTAssertEqual(IptablesVariant.of(resolvedPath: "/opt/bin/iptables"), .legacy, "unknown: listed with the tool, which works with either")
    }
}
