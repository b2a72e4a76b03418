import CNIFirewall
import CNITestSupport
import XCTest
@testable import CNIInspect

/// Golden tests: iptables-save text and nft JSON as the reference plugins leave it → what the
/// inspector reports and would remove.
final class FirewallParserTests: XCTestCase {
    /// portmap and bridge ipMasq for one pod, plus a masquerade chain nothing points at: the shared
    /// reference text, whose portmap lines are also the portmap renderer's golden output.
    static let iptablesSave = ReferenceIptables.natTable

    /// `nft -j list ruleset` with portmap's tables (`portmap_nftables.go`), bridge's nft masquerade table (`ipmasq_nftables_linux.go`) and an
    /// unrelated iptables-nft table (nft 1.0.6; `nft -a list ruleset` shows the rules as the owned lines below).
    static let nftRuleset = #"""
        {"nftables": [
        {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
        {"table": {"family": "ip", "name": "nat", "handle": 7}},
        {"chain": {"family": "ip", "table": "nat", "name": "POSTROUTING", "handle": 1, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
        {"rule": {"family": "ip", "table": "nat", "chain": "POSTROUTING", "handle": 2, "comment": "c9", "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"masquerade": null}]}},
        {"table": {"family": "ip", "name": "cni_hostport", "handle": 1, "comment": "CNI portmap plugin"}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostports", "handle": 1}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostip_hostports", "handle": 2}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostports_all", "handle": 3}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "prerouting", "handle": 6, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "masquerading", "handle": 8, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 9, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}, {"dnat": {"addr": "10.244.1.3", "port": 80}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 10, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "127.0.0.1"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 5353}}, {"dnat": {"addr": "10.244.1.3", "port": 53}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports_all", "handle": 4, "expr": [{"jump": {"target": "hostip_hostports"}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports_all", "handle": 5, "expr": [{"jump": {"target": "hostports"}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "prerouting", "handle": 7, "expr": [{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"jump": {"target": "hostports_all"}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "masquerading", "handle": 11, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.244.1.3"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.244.1.3"}}, {"masquerade": null}]}},
        {"table": {"family": "ip6", "name": "cni_hostport", "handle": 2, "comment": "CNI portmap plugin"}},
        {"chain": {"family": "ip6", "table": "cni_hostport", "name": "hostports", "handle": 1}},
        {"rule": {"family": "ip6", "table": "cni_hostport", "chain": "hostports", "handle": 2, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}, {"dnat": {"addr": "fd00::3", "port": 80}}]}},
        {"table": {"family": "inet", "name": "cni_plugins_masquerade", "handle": 3}},
        {"chain": {"family": "inet", "table": "cni_plugins_masquerade", "name": "masq_checks", "handle": 1}},
        {"rule": {"family": "inet", "table": "cni_plugins_masquerade", "chain": "masq_checks", "handle": 2, "comment": "abc-def, net: cbr0, if: eth0, id: c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.244.1.3"}}, {"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "10.244.1.0", "len": 24}}}}, {"masquerade": null}]}}
        ]}

        """#

    static func dump(_ s: FirewallState) -> String {
        var lines: [String] = []
        for m in s.hostPorts {
            lines.append("hostport \(m.containerID) \(m.network ?? "-") \(m.backend.rawValue) \(m.protocol) \(m.hostIP ?? "*"):\(m.hostPort) -> \(m.destination) [\(m.chain)]")
        }
        for m in s.masquerades {
            lines.append("masq \(m.containerID) \(m.network ?? "-") \(m.backend.rawValue) \(m.source) [\(m.chain)]")
        }
        for a in s.artifacts {
            lines.append("owned \(a.containerID ?? "?") \(a.network ?? "-") \(a.purpose.rawValue): \(a.summary)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testChainNamesMatchTheReference() {
        XCTAssertEqual(ChainName.portmapDNAT(network: "cbr0", containerID: "c2"), "CNI-DN-a0fff058eeb324ed03b3b")
        XCTAssertEqual(ChainName.masquerade(network: "cbr0", containerID: "c2"), "CNI-a0fff058eeb324ed03b3bf6f")
        XCTAssertTrue(IptablesStateParser.isHostPortChain("CNI-DN-a0fff058eeb324ed03b3b"))
        XCTAssertFalse(IptablesStateParser.isHostPortChain("CNI-HOSTPORT-DNAT"))
        XCTAssertTrue(IptablesStateParser.isMasqueradeChain("CNI-a0fff058eeb324ed03b3bf6f"))
        XCTAssertFalse(IptablesStateParser.isMasqueradeChain("CNI-DN-a0fff058eeb324ed03b3b"))
        XCTAssertFalse(IptablesStateParser.isMasqueradeChain("CNI-HOSTPORT-SETMARK"))
        XCTAssertFalse(IptablesStateParser.isMasqueradeChain("CNI-A0FFF058EEB324ED03B3BF6F"))
    }

    func testIptablesGolden() {
        let state = IptablesStateParser.parse(Self.iptablesSave, ipv6: false)
        XCTAssertEqual(Self.dump(state), #"""
            hostport c2 cbr0 iptables tcp *:8080 -> 10.244.1.3:80 [CNI-DN-a0fff058eeb324ed03b3b]
            hostport c2 cbr0 iptables udp *:5353 -> 10.244.1.3:53 [CNI-DN-a0fff058eeb324ed03b3b]
            hostport c2 cbr0 iptables tcp 127.0.0.1:9090 -> 10.244.1.3:90 [CNI-DN-a0fff058eeb324ed03b3b]
            masq c2 cbr0 iptables 10.244.1.3 [CNI-a0fff058eeb324ed03b3bf6f]
            owned c2 cbr0 hostport: iptables nat rule -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b
            owned c2 cbr0 hostport: iptables nat rule -A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 5353 -j CNI-DN-a0fff058eeb324ed03b3b
            owned c2 cbr0 masquerade: iptables nat rule -A POSTROUTING -s 10.244.1.3/32 -m comment --comment "name: \"cbr0\" id: \"c2\"" -j CNI-a0fff058eeb324ed03b3bf6f
            owned c2 cbr0 hostport: iptables nat chain CNI-DN-a0fff058eeb324ed03b3b
            owned c2 cbr0 masquerade: iptables nat chain CNI-a0fff058eeb324ed03b3bf6f
            owned ? - masquerade: iptables nat chain CNI-0123456789abcdef01234567

            """#)
        XCTAssertEqual(state.containerIDs, ["c2"])
    }

    func testIp6tablesBackendAndHostPrefix() {
        let text = "*nat\n:CNI-DN-a0fff058eeb324ed03b3b - [0:0]\n"
            + "-A CNI-DN-a0fff058eeb324ed03b3b -d ::1/128 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::3]:80\n"
            + #"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080 -j CNI-DN-a0fff058eeb324ed03b3b"#
            + "\nCOMMIT\n"
        let state = IptablesStateParser.parse(text, ipv6: true)
        XCTAssertEqual(state.hostPorts.map(\.backend), [.ip6tables])
        XCTAssertEqual(state.hostPorts.first?.hostIP, "::1")
        XCTAssertEqual(state.hostPorts.first?.destinationIP, "fd00::3")
        XCTAssertEqual(state.artifacts.map(\.backend), [.ip6tables, .ip6tables])
    }

    func testForeignRulesAndOtherTablesAreIgnored() {
        let text = "*filter\n:CNI-DN-a0fff058eeb324ed03b3b - [0:0]\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n"
            + #"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "something else" -j CNI-DN-a0fff058eeb324ed03b3b"# + "\n"
            + "-A POSTROUTING -s 10.0.0.1/32 -j MASQUERADE\nCOMMIT\n"
        XCTAssertEqual(IptablesStateParser.parse(text, ipv6: false), FirewallState())
    }

    func testCommentParsing() {
        XCTAssertEqual(IptablesStateParser.parseComment(#"dnat name: "cbr0" id: "c2""#, prefix: "dnat ")?.containerID, "c2")
        XCTAssertEqual(IptablesStateParser.parseComment(#"name: "my-net" id: "abc""#, prefix: "")?.network, "my-net")
        XCTAssertNil(IptablesStateParser.parseComment(#"name: "cbr0" id: """#, prefix: ""))
        XCTAssertNil(IptablesStateParser.parseComment("CNI portfwd masquerade mark", prefix: ""))
        XCTAssertNil(IptablesStateParser.parseComment(#"name: "cbr0" id: "c2""#, prefix: "dnat "))
    }

    func testNftGolden() throws {
        let state = try NftStateParser.parse(json: Self.nftRuleset)
        XCTAssertEqual(Self.dump(state), #"""
            hostport c2 - nftables tcp *:8080 -> 10.244.1.3:80 [hostports]
            hostport c2 - nftables udp 127.0.0.1:5353 -> 10.244.1.3:53 [hostports]
            hostport c2 - nftables tcp *:8080 -> [fd00::3]:80 [hostports]
            masq c2 cbr0 nftables 10.244.1.3 [masq_checks]
            owned c2 - hostport: nft rule ip cni_hostport hostports handle 9: tcp dport 8080 dnat to 10.244.1.3:80 comment "c2"
            owned c2 - hostport: nft rule ip cni_hostport hostports handle 10: ip daddr 127.0.0.1 udp dport 5353 dnat to 10.244.1.3:53 comment "c2"
            owned c2 - masquerade: nft rule ip cni_hostport masquerading handle 11: ip saddr 10.244.1.3 ip daddr 10.244.1.3 masquerade comment "c2"
            owned c2 - hostport: nft rule ip6 cni_hostport hostports handle 2: tcp dport 8080 dnat to [fd00::3]:80 comment "c2"
            owned c2 cbr0 masquerade: nft rule inet cni_plugins_masquerade masq_checks handle 2: ip saddr 10.244.1.3 ip daddr != 10.244.1.0/24 masquerade comment "abc-def, net: cbr0, if: eth0, id: c2"

            """#)
    }

    func testNftWithoutCNITablesIsEmpty() throws {
        XCTAssertEqual(try NftStateParser.parse(json: #"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#), FirewallState())
        XCTAssertEqual(try NftStateParser.parse(json: #"""
            {"nftables": [{"table": {"family": "ip", "name": "filter", "handle": 1}},
            {"chain": {"family": "ip", "table": "filter", "name": "x", "handle": 1}},
            {"rule": {"family": "ip", "table": "filter", "chain": "x", "handle": 2, "comment": "c2", "expr": [{"counter": {"packets": 0, "bytes": 0}}]}}]}
            """#), FirewallState())
        XCTAssertThrowsError(try NftStateParser.parse(json: "table ip filter {"))
    }

    /// Expressions the model does not cover are shown as their JSON; the rule is still owned and removable.
    func testNftUnknownExpressionIsShownAsJSON() throws {
        let state = try NftStateParser.parse(json: #"""
            {"nftables": [{"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 3, "comment": "c2",
            "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [80, 443]}}},
            {"dnat": {"addr": "10.244.1.3"}}]}}]}
            """#)
        XCTAssertEqual(Self.dump(state), #"""
            owned c2 - hostport: nft rule ip cni_hostport hostports handle 3: {"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":{"set":[80,443]}}} dnat to 10.244.1.3 comment "c2"

            """#)
    }
}
