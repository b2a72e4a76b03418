import CNIFirewall
import CNIValues
import XCTest

final class NftRuleTests: XCTestCase {
    private func ip(_ s: String) throws -> IPAddress { try XCTUnwrap(IPAddress(s)) }
    private func net(_ s: String) throws -> IPNetwork { try XCTUnwrap(IPNetwork(s)) }

    func testRenderedText() throws {
        XCTAssertEqual(try NftRule([.destinationPort(transport: "tcp", port: 8080)], [.dnat(ip("10.244.1.3"), port: 80)]).text(),
                       "tcp dport 8080 dnat to 10.244.1.3:80")
        XCTAssertEqual(try NftRule([.address(.destination, .implicit, .host(ip("fd00::1"))), .destinationPort(transport: "sctp", port: 7070)],
                                   [.dnat(ip("fd00:10::3"), port: 70)]).text(),
                       "ip6 daddr fd00::1 sctp dport 7070 dnat to [fd00:10::3]:70")
        XCTAssertEqual(try NftRule([.address(.source, .equal, .host(ip("10.244.1.3"))),
                                    .address(.destination, .notEqual, .prefix(net("10.244.1.0/24")))], [.masquerade]).text(),
                       "ip saddr == 10.244.1.3 ip daddr != 10.244.1.0/24 masquerade")
        XCTAssertEqual(try NftRule([.address(.destination, .equal, .prefix(net("ff00::/8")))], [.return], statementGap: 2).text(),
                       "ip6 daddr == ff00::/8  return")
        XCTAssertEqual(try NftRule([.configured(["ip", "daddr", "!=", "127.0.0.1"]), .localDestination], [.jump("hostports_all")]).text(),
                       "ip daddr != 127.0.0.1 fib daddr type local jump hostports_all")
        XCTAssertEqual(try NftRule([.inputInterface("veth1"), .etherSource(XCTUnwrap(MACAddress("0a:58:0a:f4:01:02")))], [.counter, .drop]).text(),
                       #"iifname "veth1" ether saddr 0a:58:0a:f4:01:02 counter drop"#)
        XCTAssertEqual(try NftRule([.mark(0x2000), .l4Protocol("udp"), .l3Protocol(.v6), .outputInterface("cni0")],
                                   [.snat(ip("10.0.0.1"))]).text(),
                       #"meta mark 0x2000 meta l4proto udp meta nfproto ipv6 oifname "cni0" snat to 10.0.0.1"#)
        XCTAssertEqual(try NftRule([.goto("masq_checks")]).text(), "goto masq_checks")
    }

    func testUnsafeValuesAreRefused() {
        XCTAssertThrowsError(try NftRule([.inputInterface("a\"b")], [.accept]).text())
        XCTAssertThrowsError(try NftRule([.configured(["tcp", "dport", "1;", "flush", "ruleset"])], [.accept]).text())
        XCTAssertThrowsError(try NftRule([.jump("x y")]).text())
        XCTAssertThrowsError(try NftRule([.destinationPort(transport: "tcp dport 1 accept #", port: 2)], [.drop]).text())
        XCTAssertThrowsError(try NftRule([.listed("{}")], [.drop]).text())
    }

    /// `nft -j list table` output of nft 1.0.6 for the rules the suite writes, read back into values
    /// whose description is what `nft list` prints.
    func testListedRulesReadBackAsValues() throws {
        let json = #"""
            {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
            {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostports", "handle": 1}},
            {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 5, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "127.0.0.1"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 5353}}, {"dnat": {"addr": "10.244.1.3", "port": 53}}]}},
            {"rule": {"family": "ip", "table": "cni_hostport", "chain": "prerouting", "handle": 3, "expr": [{"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "127.0.0.1"}}, {"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"jump": {"target": "hostports"}}]}},
            {"rule": {"family": "ip", "table": "cni_hostport", "chain": "masquerading", "handle": 8, "comment": "c3", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.244.1.3"}}, {"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}}, {"masquerade": null}]}},
            {"rule": {"family": "ip", "table": "cni_hostport", "chain": "masquerading", "handle": 9, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 8192}}, {"counter": {"packets": 0, "bytes": 0}}, {"snat": {"addr": "1.2.3.4"}}]}},
            {"rule": {"family": "ip6", "table": "cni_hostport", "chain": "hostports", "handle": 2, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "daddr"}}, "right": "fd00::1"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "sctp", "field": "dport"}}, "right": 7070}}, {"dnat": {"addr": "fd00:10::3", "port": 70}}]}},
            {"rule": {"family": "inet", "table": "cni_plugins_masquerade", "chain": "masq_checks", "handle": 5, "comment": "abc", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.244.1.3"}}, {"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "10.244.1.0", "len": 24}}}}, {"masquerade": null}]}},
            {"rule": {"family": "inet", "table": "cni_plugins_masquerade", "chain": "postrouting", "handle": 4, "expr": [{"goto": {"target": "masq_checks"}}]}},
            {"rule": {"family": "bridge", "table": "nat", "chain": "PREROUTING", "handle": 3, "comment": "m", "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "veth1234abcd"}}, {"jump": {"target": "x"}}]}},
            {"rule": {"family": "bridge", "table": "nat", "chain": "x", "handle": 4, "comment": "m", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ether", "field": "saddr"}}, "right": "0a:58:0a:f4:01:02"}}, {"return": null}]}},
            {"rule": {"family": "bridge", "table": "nat", "chain": "x", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"accept": null}]}}
            ]}
            """#
        let listing = try NftRuleListing(json: json)
        XCTAssertEqual(listing.tableChains, [NftRuleListing.Chain(family: "ip", table: "cni_hostport", name: "hostports")])
        XCTAssertEqual(listing.rules.map(\.text), [
            #"ip daddr 127.0.0.1 udp dport 5353 dnat to 10.244.1.3:53 comment "c2""#,
            "ip daddr != 127.0.0.1 fib daddr type local jump hostports",
            #"ip daddr 10.244.1.3 ct status dnat masquerade comment "c3""#,
            "meta mark 0x2000 counter snat to 1.2.3.4",
            #"ip6 daddr fd00::1 sctp dport 7070 dnat to [fd00:10::3]:70 comment "c2""#,
            #"ip saddr 10.244.1.3 ip daddr != 10.244.1.0/24 masquerade comment "abc""#,
            "goto masq_checks",
            #"iifname "veth1234abcd" jump x comment "m""#,
            #"ether saddr 0a:58:0a:f4:01:02 return comment "m""#,
            "meta l4proto tcp accept",
        ])
        let first = try XCTUnwrap(listing.rules.first).expression
        XCTAssertEqual(first.destinationPort?.port, 5353)
        XCTAssertEqual(first.destinationPort?.transport, "udp")
        XCTAssertEqual(first.address(.destination), .host(try ip("127.0.0.1")))
        XCTAssertEqual(first.dnatTarget, "10.244.1.3:53")
        XCTAssertEqual(listing.rules[4].expression.dnatTarget, "[fd00:10::3]:70")
        XCTAssertTrue(listing.rules[5].expression.isMasquerade)
        // What the suite writes reads back equal (operators aside: nft lists `==` as implicit).
        XCTAssertEqual(listing.rules[8].expression,
                       NftRule([.etherSource(try XCTUnwrap(MACAddress("0a:58:0a:f4:01:02")))], [.return]))
    }

    func testIptablesValuesRenderAsSaved() throws {
        let rule = IptablesRule(chain: "CNI-DN-x", [.source(.prefix(try net("10.244.1.0/24"))), .destination(.host(try ip("127.0.0.1"))),
                                                    .protocol("tcp"), .destinationPort(transport: "tcp", port: 9090)],
                                .dnat(try ip("fd00::3"), port: 90))
        XCTAssertEqual(try rule.restoreLine(),
                       "-A CNI-DN-x -s 10.244.1.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j DNAT --to-destination [fd00::3]:90")
        XCTAssertEqual(IptablesRule(saveLine: try rule.restoreLine()), rule)
        XCTAssertEqual(rule.sourceText, "10.244.1.0/24")
        XCTAssertEqual(rule.destinationText, "127.0.0.1/32")
        XCTAssertEqual(rule.protocolName, "tcp")
        XCTAssertEqual(rule.destinationPort, 9090)
        XCTAssertEqual(rule.dnatDestination, "[fd00::3]:90")
        let masq = IptablesRule(chain: "CNI-a", [.destination(.prefix(try net("224.0.0.0/4")), negated: true), .comment(#"name: "n" id: "c""#)],
                                .masquerade)
        XCTAssertEqual(try masq.restoreLine(), #"-A CNI-a ! -d 224.0.0.0/4 -m comment --comment "name: \"n\" id: \"c\"" -j MASQUERADE"#)
        let entry = IptablesRule(chain: "CNI-HOSTPORT-DNAT", [.protocol("udp"), .destinationPorts([53, 5353]), .configured(["!", "-d", "10.0.0.1"])],
                                 .jump("CNI-DN-x"))
        XCTAssertEqual(try entry.restoreLine(), "-A CNI-HOSTPORT-DNAT -p udp -m multiport --dports 53,5353 ! -d 10.0.0.1 -j CNI-DN-x")
        XCTAssertEqual(entry.destinationPortList, "53,5353")
        XCTAssertEqual(try IptablesRule(chain: "X", [.localDestination, .mark("0x2000/0x2000")], .setMark("0x2000/0x2000")).restoreLine(),
                       "-A X -m addrtype --dst-type LOCAL -m mark --mark 0x2000/0x2000 -j MARK --set-xmark 0x2000/0x2000")
    }

    func testFirewallAddressForms() throws {
        XCTAssertEqual(FirewallAddress(iptablesText: "10.244.1.3/32"), .host(try ip("10.244.1.3")))
        XCTAssertEqual(FirewallAddress(iptablesText: "::1/128")?.description, "::1")
        XCTAssertEqual(FirewallAddress(iptablesText: "10.244.1.0/24"), .prefix(try net("10.244.1.0/24")))
        XCTAssertEqual(FirewallAddress(iptablesText: "fd00::3"), .host(try ip("fd00::3")))
        XCTAssertNil(FirewallAddress(iptablesText: "10.0.0.1/33"))
        XCTAssertNil(FirewallAddress(iptablesText: "eth0"))
        XCTAssertEqual(FirewallAddress.host(try ip("fd00::3")).iptablesText, "fd00::3/128")
    }

    func testMasqueradeComment() {
        let c = MasqueradeComment(network: "cbr0", ifname: "eth0", containerID: "c2")
        XCTAssertTrue(c.description.hasPrefix(c.instanceHash + ", net: cbr0, if: eth0, id: c2"))
        XCTAssertEqual(c.instanceHash.count, 33)
        XCTAssertTrue(c.instanceHash.hasPrefix(MasqueradeComment.networkHash("cbr0") + "-"))
        let fields = MasqueradeComment.fields(of: c.description)
        XCTAssertEqual(fields.network, "cbr0")
        XCTAssertEqual(fields.ifname, "eth0")
        XCTAssertEqual(fields.containerID, "c2")
        XCTAssertNil(MasqueradeComment.fields(of: "c2").containerID)
        let long = MasqueradeComment(network: String(repeating: "n", count: 200), ifname: "eth0", containerID: "c\"2")
        XCTAssertEqual(long.description.utf8.count, 128)
        XCTAssertNil(MasqueradeComment.fields(of: long.description).containerID)
    }

    func testChainNameRecognition() {
        XCTAssertTrue(ChainName.isPortmapDNAT(ChainName.portmapDNAT(network: "cbr0", containerID: "c2")))
        XCTAssertTrue(ChainName.isMasquerade(ChainName.masquerade(network: "cbr0", containerID: "c2")))
        XCTAssertFalse(ChainName.isMasquerade("CNI-HOSTPORT-SETMARK"))
        XCTAssertFalse(ChainName.isPortmapDNAT("CNI-HOSTPORT-DNAT"))
    }
}
