import CNIFirewall
import CNIProtocol
import CNITestSupport
import CNIValues
import XCTest
@testable import PortmapPlugin

/// Names, IDs and conditions reach the rule text; the renderers must keep each inside its word
/// (iptables-restore) or refuse it (nft), even if the dispatcher's validation were bypassed.
final class InjectionTests: XCTestCase {
    static let mapping = [PortMapping(hostPort: 8080, containerPort: 80)]

    func testQuotesInANameStayInsideTheComment() throws {
        let evil = #"x" -j ACCEPT -m comment --comment "y"#
        let rules = IptablesPortmapRules(config: PortmapConfig(network: evil, mappings: Self.mapping), containerID: "c2",
                                         pod: IPNetwork("10.244.1.3/24")!)
        let batch = try IptablesPortmapBatch.setup(rules, existing: IptablesRuleset())
        let entry = try XCTUnwrap(batch.split(separator: "\n").first { $0.hasPrefix("-A CNI-HOSTPORT-DNAT") })
        // iptables-restore's tokenizer gives back exactly one comment word and one -j.
        let words = try XCTUnwrap(RestoreTokens.split(String(entry)))
        XCTAssertEqual(words.filter { $0 == "-j" }.count, 1)
        XCTAssertEqual(words[words.firstIndex(of: "--comment")! + 1], "dnat name: \"\(evil)\" id: \"c2\"")
        XCTAssertEqual(words.last, rules.dnatChain)
        // Every line of the batch is still one rule / declaration / COMMIT.
        XCTAssertEqual(batch.split(separator: "\n").count, 1 + 4 + 5 + 3 + 1 + 1)
    }

    func testNewlinesAreRefused() {
        let evil = "x\"\n-A INPUT -j ACCEPT\n#"
        for (name, id) in [(evil, "c2"), ("cbr0", "c2\n-A INPUT -j ACCEPT")] {
            let config = PortmapConfig(network: name, mappings: Self.mapping)
            let rules = IptablesPortmapRules(config: config, containerID: id, pod: IPNetwork("10.244.1.3/24")!)
            XCTAssertThrowsError(try IptablesPortmapBatch.setup(rules, existing: IptablesRuleset()))
            if id != "c2" {  // nft rules carry only the container ID
                XCTAssertThrowsError(try NftPortmapRules(config: config, containerID: id, pod: IPNetwork("10.244.1.3/24")!)
                    .setup(existing: NftRuleListing()))
            }
        }
        let conditions = PortmapConfig(network: "cbr0", mappings: Self.mapping, conditionsV4: ["-d", "1.2.3.4\n-A INPUT -j ACCEPT"])
        XCTAssertThrowsError(try IptablesPortmapBatch.setup(
            IptablesPortmapRules(config: conditions, containerID: "c2", pod: IPNetwork("10.244.1.3/24")!), existing: IptablesRuleset()))
    }

    func testNftCommentAndConditionsCannotStartAnotherCommand() {
        let pod = IPNetwork("10.244.1.3/24")!
        for id in ["c2\" ; flush ruleset ; \"", "c2\nflush ruleset"] {
            XCTAssertThrowsError(try NftPortmapRules(config: PortmapConfig(network: "cbr0", mappings: Self.mapping),
                                                     containerID: id, pod: pod).setup(existing: NftRuleListing()))
        }
        let conditions = PortmapConfig(network: "cbr0", mappings: Self.mapping, conditionsV4: ["ip", "daddr", "1.2.3.4", ";", "flush", "ruleset"])
        XCTAssertThrowsError(try NftPortmapRules(config: conditions, containerID: "c2", pod: pod).setup(existing: NftRuleListing()))
    }

    func testPluginRefusesUnsafeConditionsBeforeTouchingTheNode() {
        let config = PortmapConfig(network: "cbr0", mappings: Self.mapping, conditionsV4: ["-d", "1.2.3.4\n-A INPUT -j ACCEPT"])
        XCTAssertThrowsError(try PortmapPlugin.checkRenderable(config, containerID: "c2", pod: PodAddresses(v4: IPNetwork("10.244.1.3/24"))))
        { XCTAssertEqual(($0 as? CNIError)?.code, 7) }
    }
}

/// The same, against the real iptables-restore parser in a throwaway netns.
final class InjectionKernelTests: XCTestCase {
    func testQuotedNameAddsNoRuleInTheKernel() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNamespace(prefix: "pminj")
        defer { node.delete() }
        let evil = #"x" -j ACCEPT -m comment --comment "y\"#
        let rules = IptablesPortmapRules(config: PortmapConfig(network: evil, mappings: InjectionTests.mapping),
                                         containerID: "c2", pod: IPNetwork("10.244.1.3/24")!)
        try node.run(["iptables-restore", "--noflush", "-w"], stdin: try IptablesPortmapBatch.setup(rules, existing: IptablesRuleset()))
        let saved = IptablesRuleset(saveOutput: try node.run(["iptables-save", "-t", "nat"]))
        let entries = saved.rules(in: "CNI-HOSTPORT-DNAT")
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries.first, rules.entryRules.first)  // the comment came back word for word
        XCTAssertFalse(saved.rules.contains { $0.target == "ACCEPT" })
        XCTAssertEqual(saved.rules.count, 3 + 2 + 3 + 1)  // mark/masq/POSTROUTING, PREROUTING/OUTPUT, the chain, the entry
    }
}
