import CNIFirewall
import CNIValues
import XCTest
@testable import CNIInspect

/// The problem finder over hand-built snapshots.
final class ProblemFinderTests: XCTestCase {
    typealias F = SnapshotFixtures

    func problems(_ s: NodeSnapshot) -> [Problem] { ProblemFinder(snapshot: s).problems() }

    func testHealthyNodeHasNoProblems() {
        let s = F.healthy()
        XCTAssertEqual(problems(s), [])
        XCTAssertEqual(s.pods.map { s.containerID(of: $0.pod) }, ["c1", "c2"])
        XCTAssertEqual(s.firewall.hostPorts.map(\.containerID), ["c1"])
    }

    func testOneProblemPerGoneContainer() {
        let found = problems(F.leaky())
        XCTAssertEqual(found.map(\.kind), [.staleContainer, .leakedIP, .staleRules])
        XCTAssertEqual(found.map(\.subject), ["c3", "ghost", "gone"])
        let stale = found[0]
        XCTAssertEqual(stale.details.filter { $0.hasPrefix("IP ") }, ["IP 10.244.1.4 (network cbr0, ifname eth0): /var/lib/cni/networks/cbr0/10.244.1.4"])
        XCTAssertTrue(stale.details.contains("saved flannel config: /var/lib/cni/flannel/c3 (type bridge)"))
        XCTAssertTrue(stale.details.contains("hostPort tcp 9090 -> 10.244.1.4:90 (iptables)"))
        XCTAssertTrue(stale.summary.contains("1 IP reservation, a saved flannel config, 2 NAT rules/chains"), stale.summary)
        XCTAssertTrue(found.allSatisfy(\.isFixable))
    }

    func testSavedConfigWithoutIP() {
        var s = F.healthy()
        s.savedConfigs.append(F.saved("failed-add"))
        let found = problems(s)
        XCTAssertEqual(found.map(\.kind), [.savedConfigWithoutIP])
        XCTAssertEqual(found.first?.steps, [
            .pluginDel(type: "bridge", containerID: "failed-add", ifname: "eth0", configPath: "/var/lib/cni/flannel/failed-add"),
            .removeFile(path: "/var/lib/cni/flannel/failed-add"),
        ])
    }

    func testReservationsOutsideThePodSubnetBelongToAnotherNetwork() {
        var s = F.healthy()
        s.allocations.append(F.allocation("10.99.0.5", "other", store: "/var/lib/cni/networks/other", network: "other"))
        s.firewall.merge(IptablesStateParser.parse(F.iptablesSave(
            chains: [ChainName.portmapDNAT(network: "other", containerID: "other")],
            rules: F.hostPortRules("other", hostPort: 1, to: "10.99.0.5:1", network: "other")
                .split(separator: "\n").map(String.init)), ipv6: false))
        XCTAssertEqual(s.firewall.hostPorts.last?.network, "other")
        XCTAssertEqual(problems(s), [])
    }

    func testAChainWithoutEntryRuleIsMatchedToItsContainerByHash() {
        var s = F.healthy()
        s.allocations.append(F.allocation("10.244.1.9", "c9"))
        let chain = ChainName.portmapDNAT(network: "cbr0", containerID: "c9")
        let orphan = ChainName.masquerade(network: "cbr0", containerID: "nobody-knows")
        s.firewall.merge(IptablesStateParser.parse(F.iptablesSave(chains: [chain, orphan], rules: []), ipv6: false))
        let found = problems(s)
        XCTAssertEqual(found.map(\.kind), [.staleContainer, .orphanChain])
        XCTAssertEqual(found.map(\.subject), ["c9", orphan])
        XCTAssertTrue(found[0].details.contains("iptables nat chain \(chain)"))
        XCTAssertEqual(found[1].steps, [.iptablesRestore(ipv6: false, text: "*nat\n-F \(orphan)\n-X \(orphan)\nCOMMIT\n")])
    }

    func testVethWithoutPodAndItsIPIsFlaggedWithACaveat() {
        var s = F.healthy()
        s.bridge?.ports[1] = F.port(2, pod: nil)
        let found = problems(s)
        XCTAssertEqual(found.map(\.kind), [.staleContainer, .vethWithoutPod])
        XCTAssertEqual(found[1].subject, "veth00000002")
        XCTAssertEqual(found[1].steps, [.deleteLink(name: "veth00000002")])
        XCTAssertEqual(found[0].subject, "c2")
        XCTAssertTrue(found[0].details.contains { $0.contains("1 bridge port without a visible pod") })
    }

    func testAmbiguousPortsStillHoldTheirAddresses() {
        var s = F.healthy()
        let other = ObservedPod(netns: "/run/netns/elsewhere", name: "eth0", index: 2, addresses: [F.net("10.244.1.77/24")])
        s.bridge?.ports[0].match = .ambiguous
        s.bridge?.ports[0].candidates = [other, F.pod(1, ip: "10.244.1.2/24")]
        s.bridge?.ports[0].pod = other
        XCTAssertEqual(problems(s), [])
    }

    func testMTUAndBridgeMismatch() {
        var s = F.healthy()
        s.bridge?.ports[0] = F.port(1, pod: F.pod(1, ip: "10.244.1.2/24", mtu: 1500), mtu: 1500)
        s.bridge?.addresses = [F.net("10.244.7.1/24")]
        let found = ProblemFinder(snapshot: s, context: CleanupStep.Context(nodeNetns: "/run/netns/node")).problems()
        XCTAssertEqual(found.map(\.kind), [.mtuMismatch, .bridgeMismatch])
        XCTAssertEqual(found[0].subject, "c1")
        XCTAssertFalse(found[0].isFixable)
        XCTAssertEqual(found[0].advice.last, "nsenter --net=/run/netns/node ip link set dev veth00000001 mtu 1450")
        XCTAssertEqual(found[1].details.first, "subnet.env wants 10.244.1.1/24 on cni0; it has 10.244.7.1/24")
        XCTAssertFalse(found[1].isFixable)
    }

    /// flannel's lease changed: with pods of the old subnet attached, say what to do; once they
    /// are gone, --fix replaces the bridge's address (what the next ADD would do).
    func testLeaseChangeIsFixableOnceNoPodIsAttached() {
        var s = F.healthy()
        s.bridge?.addresses = [F.net("10.244.7.1/24")]
        s.allocations = []
        s.savedConfigs = []
        s.firewall = IptablesStateParser.parse("", ipv6: false)
        let context = CleanupStep.Context(nodeNetns: "/run/netns/node")
        let blocked = ProblemFinder(snapshot: s, context: context).problems()
        XCTAssertEqual(blocked.map(\.kind), [.bridgeMismatch])
        XCTAssertFalse(blocked[0].isFixable)
        XCTAssertEqual(blocked[0].details.last,
                       "old subnet 10.244.7.0/24, new subnet 10.244.1.0/24; pods still attached: veth00000001, veth00000002")
        XCTAssertTrue(blocked[0].advice.last?.contains("then run cni-inspect --fix") == true, "\(blocked[0].advice)")

        s.bridge?.ports = []
        let free = ProblemFinder(snapshot: s, context: context).problems()
        XCTAssertEqual(free.map(\.kind), [.bridgeMismatch])
        XCTAssertEqual(free[0].steps, [.replaceAddresses(link: "cni0", remove: [F.net("10.244.7.1/24")], add: [F.net("10.244.1.1/24")])])
        XCTAssertEqual(free[0].steps.first?.command(in: context), """
            nsenter --net=/run/netns/node ip addr del 10.244.7.1/24 dev cni0
            nsenter --net=/run/netns/node ip addr add 10.244.1.1/24 dev cni0
            """)

        // An address inside the current subnet is no lease change: a human decides.
        s.bridge?.addresses = [F.net("10.244.1.9/24")]
        XCTAssertEqual(ProblemFinder(snapshot: s, context: context).problems().first?.isFixable, false)
    }

    func testBridgeMTUOnlyMattersWithPorts() {
        var s = F.healthy()
        s.bridge?.mtu = 1500
        XCTAssertEqual(problems(s).map(\.kind), [.bridgeMismatch])
        XCTAssertEqual(problems(s).first?.details, ["subnet.env FLANNEL_MTU=1450; cni0 has mtu 1500"])
        // every pod gone: the kernel put the portless bridge back to 1500 by itself
        s.bridge?.ports = []
        s.allocations = []
        s.savedConfigs = []
        s.firewall = IptablesStateParser.parse(F.iptablesSave(chains: [], rules: []), ipv6: false)
        XCTAssertEqual(problems(s).map(\.kind), [])
    }

    func testNftRulesOfAGoneContainer() throws {
        var s = F.healthy()
        let text = FirewallParserTests.nftRuleset.replacingOccurrences(of: "\"c2\"", with: "\"c7\"")
            .replacingOccurrences(of: "id: c2", with: "id: c7")
        s.firewall.merge(try NftStateParser.parse(json: text))
        let found = problems(s)
        XCTAssertEqual(found.map(\.kind), [.staleRules])
        XCTAssertEqual(found.first?.subject, "c7")
        XCTAssertEqual(found.first?.steps, [.nft(text: """
            delete rule ip cni_hostport hostports handle 9
            delete rule ip cni_hostport hostports handle 10
            delete rule ip cni_hostport masquerading handle 11
            delete rule ip6 cni_hostport hostports handle 2
            delete rule inet cni_plugins_masquerade masq_checks handle 2

            """)])
    }

    func testNftRulesOfPodsOnAnotherSubnetAreLeftAlone() throws {
        var s = F.healthy()
        s.firewall.merge(try NftStateParser.parse(json: #"""
            {"nftables": [{"table": {"family": "ip", "name": "cni_hostport", "handle": 1}},
            {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostports", "handle": 1}},
            {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 9, "comment": "other-net",
            "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8443}},
            {"dnat": {"addr": "10.99.0.3", "port": 443}}]}}]}
            """#))
        XCTAssertEqual(s.firewall.hostPorts.count, 2)
        XCTAssertEqual(problems(s), [])
    }
}
