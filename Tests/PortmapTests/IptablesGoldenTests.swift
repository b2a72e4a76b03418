import CNIFirewall
import CNITestSupport
import CNIValues
import XCTest
@testable import PortmapPlugin

/// Rule text compared line by line with what the reference writes (`containernetworking/plugins:plugins/meta/portmap/portmap_iptables.go`, observed on v1.1.1).
final class IptablesGoldenTests: XCTestCase {
    /// tcp 8080→80, udp 5353→53, tcp 9090→90 on 127.0.0.1, pod 10.244.1.3/24, net cbr0, id c2.
    static let referenceLines = ReferenceIptables.portmapRules

    static let mappings = [
        PortMapping(hostPort: 8080, containerPort: 80, transport: .tcp),
        PortMapping(hostPort: 5353, containerPort: 53, transport: .udp),
        PortMapping(hostPort: 9090, containerPort: 90, transport: .tcp, hostIP: IPAddress("127.0.0.1")),
    ]

    static func rules(_ config: PortmapConfig = PortmapConfig(network: "cbr0", mappings: mappings),
                      pod: String = "10.244.1.3/24", id: String = "c2") -> IptablesPortmapRules {
        IptablesPortmapRules(config: config, containerID: id, pod: IPNetwork(pod)!)
    }

    func testFirstADDBatchIsExactlyTheReferenceRules() throws {
        let batch = try IptablesPortmapBatch.setup(Self.rules(), existing: IptablesRuleset())
        XCTAssertEqual(batch, #"""
        *nat
        :CNI-HOSTPORT-SETMARK - [0:0]
        :CNI-HOSTPORT-MASQ - [0:0]
        :CNI-HOSTPORT-DNAT - [0:0]
        :CNI-DN-a0fff058eeb324ed03b3b - [0:0]
        -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
        -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
        -I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
        -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
        -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.3:80
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -p udp -m udp --dport 5353 -j DNAT --to-destination 10.244.1.3:53
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 10.244.1.3:90
        -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b
        -A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 5353 -j CNI-DN-a0fff058eeb324ed03b3b
        COMMIT

        """#)
        // The same rule set as the reference's, line for line.
        let ours = batch.split(separator: "\n").filter { $0.hasPrefix("-A ") || $0.hasPrefix("-I ") }
            .map { String($0).replacing("-I POSTROUTING 1 ", with: "-A POSTROUTING ") }
        XCTAssertEqual(Set(ours), Set(Self.referenceLines.split(separator: "\n").map(String.init)))
    }

    /// The reference's own table, as iptables-save printed it.
    static var referenceRuleset: IptablesRuleset {
        let chains = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", "CNI-DN-a0fff058eeb324ed03b3b",
                      "CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"]
        let text = "*nat\n" + chains.map { ":\($0) - [0:0]" }.joined(separator: "\n") + "\n" + referenceLines + "\nCOMMIT\n"
        return IptablesRuleset(saveOutput: text)
    }

    func testRepeatedADDOnlyReplacesTheContainerChain() throws {
        let batch = try IptablesPortmapBatch.setup(Self.rules(), existing: Self.referenceRuleset)
        XCTAssertEqual(batch, #"""
        *nat
        :CNI-DN-a0fff058eeb324ed03b3b - [0:0]
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.3:80
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -p udp -m udp --dport 5353 -j DNAT --to-destination 10.244.1.3:53
        -A CNI-DN-a0fff058eeb324ed03b3b -s 10.244.1.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -s 127.0.0.1/32 -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j CNI-HOSTPORT-SETMARK
        -A CNI-DN-a0fff058eeb324ed03b3b -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 10.244.1.3:90
        COMMIT

        """#)
    }

    func testChangedMappingsDeleteStaleEntryRules() throws {
        let config = PortmapConfig(network: "cbr0", mappings: [PortMapping(hostPort: 8080, containerPort: 80)])
        let batch = try IptablesPortmapBatch.setup(Self.rules(config), existing: Self.referenceRuleset)
        let lines = batch.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains(#"-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b"#))
        XCTAssertTrue(lines.contains(#"-D CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 5353 -j CNI-DN-a0fff058eeb324ed03b3b"#))
        XCTAssertTrue(lines.contains(#"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080 -j CNI-DN-a0fff058eeb324ed03b3b"#))
        XCTAssertFalse(lines.contains { $0.hasPrefix(":CNI-HOSTPORT") })
    }

    func testIPv6PodHasNoLocalhostRule() throws {
        let r = Self.rules(pod: "fd00:10::3/64")
        XCTAssertEqual(try r.chainRules.map { try $0.restoreLine() }, [
            "-A CNI-DN-a0fff058eeb324ed03b3b -s fd00:10::/64 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
            "-A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:10::3]:80",
            "-A CNI-DN-a0fff058eeb324ed03b3b -s fd00:10::/64 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK",
            "-A CNI-DN-a0fff058eeb324ed03b3b -p udp -m udp --dport 5353 -j DNAT --to-destination [fd00:10::3]:53",
        ])  // 9090 is bound to an IPv4 hostIP: skipped here, but still listed in the entry rule
        XCTAssertEqual(r.entryRules.first?.arguments.contains("8080,9090"), true)
    }

    func testSnatOffMasqAllAndExternalChain() throws {
        let one = [PortMapping(hostPort: 8080, containerPort: 80)]
        XCTAssertEqual(try Self.rules(PortmapConfig(network: "cbr0", mappings: one, snat: false)).chainRules.map { try $0.restoreLine() },
                       ["-A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.3:80"])
        XCTAssertEqual(try Self.rules(PortmapConfig(network: "cbr0", mappings: one, masqAll: true)).chainRules.map { try $0.restoreLine() }, [
            "-A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
            "-A CNI-DN-a0fff058eeb324ed03b3b -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.3:80",
        ])
        let external = Self.rules(PortmapConfig(network: "cbr0", mappings: one, externalSetMarkChain: "KUBE-MARK-MASQ"))
        XCTAssertEqual(external.chainRules.first?.target, "KUBE-MARK-MASQ")
        let batch = try IptablesPortmapBatch.setup(external, existing: IptablesRuleset())
        XCTAssertFalse(batch.contains("CNI-HOSTPORT-SETMARK") || batch.contains("CNI-HOSTPORT-MASQ"))
    }

    func testEntryRulesSplitAfter15PortsPerProtocol() throws {
        let mappings = (1...17).map { PortMapping(hostPort: 10000 + $0, containerPort: 80) }
            + [PortMapping(hostPort: 53, containerPort: 53, transport: .udp), PortMapping(hostPort: 7, containerPort: 7, transport: .sctp)]
        let entries = Self.rules(PortmapConfig(network: "cbr0", mappings: mappings, conditionsV4: ["-d", "10.0.0.1"])).entryRules
        XCTAssertEqual(entries.map { $0.arguments[1] }, ["sctp", "tcp", "tcp", "udp"])
        XCTAssertEqual(entries[1].arguments[9], (10001...10015).map(String.init).joined(separator: ","))
        XCTAssertEqual(entries[2].arguments[9], "10016,10017")
        XCTAssertEqual(Array(entries[2].arguments.suffix(4)), ["-d", "10.0.0.1", "-j", "CNI-DN-a0fff058eeb324ed03b3b"])
    }

    func testLongCommentIsTrimmedTo255Characters() {
        let name = String(repeating: "n", count: 300)
        let comment = Self.rules(PortmapConfig(network: name, mappings: Self.mappings)).comment
        XCTAssertEqual(comment.count, 255)
        XCTAssertTrue(comment.hasPrefix("dnat name: \"nnn") && comment.hasSuffix("..."))
    }

    func testTeardownDeletesJumpsThenTheChain() throws {
        let batch = try IptablesPortmapBatch.teardown(network: "cbr0", containerID: "c2", existing: Self.referenceRuleset)
        XCTAssertEqual(batch, #"""
        *nat
        -D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b
        -D CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 5353 -j CNI-DN-a0fff058eeb324ed03b3b
        -F CNI-DN-a0fff058eeb324ed03b3b
        -X CNI-DN-a0fff058eeb324ed03b3b
        COMMIT

        """#)
        XCTAssertNil(try IptablesPortmapBatch.teardown(network: "cbr0", containerID: "other", existing: Self.referenceRuleset))
        XCTAssertNil(try IptablesPortmapBatch.teardown(network: "cbr0", containerID: "c2", existing: IptablesRuleset()))
    }

    func testCheckFindsMissingPieces() {
        XCTAssertNil(IptablesPortmapBatch.missing(Self.rules(), existing: Self.referenceRuleset))
        XCTAssertEqual(IptablesPortmapBatch.missing(Self.rules(), existing: IptablesRuleset()),
                       "chain CNI-DN-a0fff058eeb324ed03b3b not found in iptables table nat")
        var without = Self.referenceRuleset.rules
        without.removeAll { $0.arguments.contains("5353") && $0.chain == "CNI-HOSTPORT-DNAT" }
        let partial = IptablesRuleset(chains: Self.referenceRuleset.chains, rules: without)
        XCTAssertEqual(IptablesPortmapBatch.missing(Self.rules(), existing: partial),
                       "entry rule for udp ports 5353 jumping to CNI-DN-a0fff058eeb324ed03b3b not found in chain CNI-HOSTPORT-DNAT")
    }
}
