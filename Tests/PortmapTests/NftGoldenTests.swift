import CNIFirewall
import CNIValues
import XCTest
@testable import PortmapPlugin

final class NftGoldenTests: XCTestCase {
    static func rules(_ config: PortmapConfig = PortmapConfig(network: "cbr0", mappings: IptablesGoldenTests.mappings),
                      pod: String = "10.244.1.3/24") -> NftPortmapRules {
        NftPortmapRules(config: config, containerID: "c2", pod: IPNetwork(pod)!)
    }

    func testFirstADDBatch() throws {
        XCTAssertEqual(try Self.rules().setup(existing: NftRuleListing()).joined(separator: "\n"), """
        add table ip cni_hostport { comment "CNI portmap plugin" ; }
        add chain ip cni_hostport hostports
        add chain ip cni_hostport hostip_hostports
        add chain ip cni_hostport hostports_all
        flush chain ip cni_hostport hostports_all
        add rule ip cni_hostport hostports_all jump hostip_hostports
        add rule ip cni_hostport hostports_all jump hostports
        add chain ip cni_hostport prerouting { type nat hook prerouting priority -100 ; }
        flush chain ip cni_hostport prerouting
        add rule ip cni_hostport prerouting fib daddr type local jump hostports_all
        add chain ip cni_hostport output { type nat hook output priority -100 ; }
        flush chain ip cni_hostport output
        add rule ip cni_hostport output fib daddr type local jump hostports_all
        add chain ip cni_hostport masquerading { type nat hook postrouting priority 100 ; }
        add rule ip cni_hostport hostports tcp dport 8080 dnat to 10.244.1.3:80 comment "c2"
        add rule ip cni_hostport hostports udp dport 5353 dnat to 10.244.1.3:53 comment "c2"
        add rule ip cni_hostport hostports ip daddr 127.0.0.1 tcp dport 9090 dnat to 10.244.1.3:90 comment "c2"
        add rule ip cni_hostport masquerading ip saddr 10.244.1.3 ip daddr 10.244.1.3 masquerade comment "c2"
        add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.244.1.3 masquerade comment "c2"
        """)
    }

    func testIPv6ConditionsAndNoSnat() throws {
        let config = PortmapConfig(network: "cbr0", mappings: IptablesGoldenTests.mappings + [
            PortMapping(hostPort: 7070, containerPort: 70, transport: .sctp, hostIP: IPAddress("fd00::1")),
        ], snat: false, conditionsV6: ["ip6", "daddr", "!=", "::1"])
        let lines = try Self.rules(config, pod: "fd00:10::3/64").setup(existing: NftRuleListing())
        XCTAssertTrue(lines.contains("add rule ip6 cni_hostport prerouting ip6 daddr != ::1 fib daddr type local jump hostports_all"))
        XCTAssertTrue(lines.contains("add rule ip6 cni_hostport output ip6 daddr != ::1 fib daddr type local jump hostports_all"))
        XCTAssertEqual(lines.filter { $0.contains("comment \"c2\"") }, [
            "add rule ip6 cni_hostport hostports tcp dport 8080 dnat to [fd00:10::3]:80 comment \"c2\"",
            "add rule ip6 cni_hostport hostports udp dport 5353 dnat to [fd00:10::3]:53 comment \"c2\"",
            "add rule ip6 cni_hostport hostports ip6 daddr fd00::1 sctp dport 7070 dnat to [fd00:10::3]:70 comment \"c2\"",
        ])
        XCTAssertFalse(lines.contains { $0.contains("masquerading") })
    }

    func testMasqAll() {
        let config = PortmapConfig(network: "cbr0", mappings: [PortMapping(hostPort: 1, containerPort: 2)], masqAll: true)
        XCTAssertEqual(Self.rules(config).containerRules.map(\.rule.description), [
            "tcp dport 1 dnat to 10.244.1.3:2", "ip daddr 10.244.1.3 ct status dnat masquerade",
        ])
    }

    static let existing = NftRuleListing(chains: ["hostports", "hostip_hostports", "hostports_all", "prerouting", "output", "masquerading"], rules: [
        .init(family: "ip", table: "cni_hostport", chain: "hostports", handle: 11, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "hostports", handle: 12, comment: "other"),
        .init(family: "ip", table: "cni_hostport", chain: "hostports", handle: 15, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "hostports", handle: 16, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "hostip_hostports", handle: 17, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "masquerading", handle: 13, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "masquerading", handle: 14, comment: "c2"),
        .init(family: "ip", table: "cni_hostport", chain: "hostports_all", handle: 4, comment: nil),
    ])

    func testRepeatedADDDeletesTheOldRulesInTheSameBatch() throws {
        let lines = try Self.rules().setup(existing: Self.existing)
        let deletions = lines.filter { $0.hasPrefix("delete") }
        XCTAssertEqual(deletions, [
            "delete rule ip cni_hostport hostports handle 11",
            "delete rule ip cni_hostport hostports handle 15",
            "delete rule ip cni_hostport hostports handle 16",
            "delete rule ip cni_hostport hostip_hostports handle 17",
            "delete rule ip cni_hostport masquerading handle 13",
            "delete rule ip cni_hostport masquerading handle 14",
        ])
        // Deletions come before the new rules.
        XCTAssertLessThan(lines.lastIndex { $0.hasPrefix("delete") }!, lines.firstIndex { $0.contains("comment \"c2\"") }!)
    }

    func testTeardownTouchesOnlyTheContainersRules() throws {
        let lines = try NftPortmapRules.deletions(family: .v4, containerID: "other", existing: Self.existing)
        XCTAssertEqual(lines, ["delete rule ip cni_hostport hostports handle 12"])
        XCTAssertEqual(try NftPortmapRules.deletions(family: .v6, containerID: "c2", existing: NftRuleListing()), [])
    }

    func testCheckCountsRulesByComment() {
        XCTAssertNil(Self.rules().missing(existing: Self.existing))
        XCTAssertEqual(Self.rules().missing(existing: NftRuleListing()),
                       "chain prerouting not found in nftables table ip cni_hostport")
        let fewer = NftRuleListing(chains: Self.existing.chains, rules: Array(Self.existing.rules.prefix(3)))
        XCTAssertEqual(Self.rules().missing(existing: fewer), "missing hostport rules in \"hostports\" chain of table ip cni_hostport")
    }
}
