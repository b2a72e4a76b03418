import CNIFirewall
import CNIValues

/// The iptables (table nat) rules of one container for one address family, laid out exactly as
/// the reference writes them (`containernetworking/plugins:plugins/meta/portmap/portmap_iptables.go`), in the word order `iptables-save` prints so generated and
/// saved rules compare equal:
///
///     -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
///     -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
///     -A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
///     -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080 -j CNI-DN-…
///     -A CNI-DN-… -s 10.244.1.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
///     -A CNI-DN-… -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
///     -A CNI-DN-… -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.3:80
///     -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
///     -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
public struct IptablesPortmapRules: Sendable {
    public static let topLevelDNATChain = PortmapNames.topLevelDNATChain
    public static let setMarkChain = PortmapNames.setMarkChain
    public static let markMasqChain = PortmapNames.markMasqChain
    /// multiport accepts at most 15 ports per rule.
    public static let portsPerEntryRule = 15
    /// xt_comment keeps at most 255 characters.
    public static let maximumCommentLength = 255

    public let config: PortmapConfig
    public let containerID: String
    /// The pod's address with its prefix (`10.244.1.3/24`).
    public let pod: IPNetwork

    public init(config: PortmapConfig, containerID: String, pod: IPNetwork) {
        self.config = config
        self.containerID = containerID
        self.pod = pod
    }

    public var family: IPAddress.Family { pod.family }

    /// `CNI-DN-` + 21 hex of sha512(name + containerID).
    public var dnatChain: String { Self.dnatChain(network: config.network, containerID: containerID) }

    public static func dnatChain(network: String, containerID: String) -> String {
        ChainName.portmapDNAT(network: network, containerID: containerID)
    }

    /// The top-level SNAT chain of old portmap versions, which jumped to the `CNI-SN-` chains.
    public static let legacyTopLevelSNATChain = "CNI-HOSTPORT-SNAT"

    /// The SNAT chain of old portmap versions, which DEL still tears down: `CNI-SN-` + 21 hex.
    public static func legacySNATChain(network: String, containerID: String) -> String {
        "CNI-SN-" + String(ChainName.portmapDNAT(network: network, containerID: containerID).dropFirst("CNI-DN-".count))
    }

    /// `dnat name: "<name>" id: "<cid>"`, cut to 255 characters (252 + `...`).
    public var comment: String {
        OwnerComment(prefix: OwnerComment.portmapPrefix, network: config.network, containerID: containerID)
            .text(maximumLength: Self.maximumCommentLength)
    }

    var setMarkTarget: String { config.externalSetMarkChain ?? Self.setMarkChain }

    // MARK: Shared chains

    /// PREROUTING and OUTPUT → CNI-HOSTPORT-DNAT for local destinations.
    public static var topLevelJumps: [IptablesRule] {
        ["PREROUTING", "OUTPUT"].map {
            IptablesRule(chain: $0, [.localDestination], .jump(topLevelDNATChain))
        }
    }

    /// POSTROUTING → CNI-HOSTPORT-MASQ (inserted at position 1).
    public static var masqueradeJump: IptablesRule {
        IptablesRule(chain: "POSTROUTING", [.comment("CNI portfwd requiring masquerade")], .jump(markMasqChain))
    }

    public var setMarkRule: IptablesRule {
        IptablesRule(chain: Self.setMarkChain, [.comment("CNI portfwd masquerade mark")], .setMark(config.markDefinition))
    }

    public var markMasqueradeRule: IptablesRule {
        IptablesRule(chain: Self.markMasqChain, [.mark(config.markDefinition)], .masquerade)
    }

    /// Whether this configuration creates/uses CNI-HOSTPORT-SETMARK and CNI-HOSTPORT-MASQ.
    public var usesMasqueradeChains: Bool { config.snat && config.externalSetMarkChain == nil }

    // MARK: Per container

    /// The CNI-HOSTPORT-DNAT rules that send this container's ports to its chain: one per
    /// protocol (sorted), at most 15 ports each, ports in mapping order, conditions appended.
    /// As in the reference, every mapping's port is listed (also those of the other family).
    public var entryRules: [IptablesRule] {
        var ports: [PortMapping.TransportProtocol: [Int]] = [:]
        for m in config.mappings { ports[m.transport, default: []].append(m.hostPort) }
        var rules: [IptablesRule] = []
        for proto in ports.keys.sorted() {
            let list = ports[proto] ?? []
            var start = 0
            while start < list.count {
                let end = min(start + Self.portsPerEntryRule, list.count)
                let conditions = config.conditions(for: family)
                rules.append(IptablesRule(chain: Self.topLevelDNATChain,
                                          [.protocol(proto.rawValue), .comment(comment), .destinationPorts(Array(list[start..<end]))]
                                          + (conditions.isEmpty ? [] : [.configured(conditions)]), .jump(dnatChain)))
                start = end
            }
        }
        return rules
    }

    /// The container chain: per mapping of this family, the hairpin mark, the localhost mark
    /// (IPv4) and the DNAT; only the DNAT when `snat` is off.
    public var chainRules: [IptablesRule] {
        var rules: [IptablesRule] = []
        for m in config.mappings where m.applies(to: family) {
            let destination = m.destination.map { [IptablesMatch.destination(.host($0))] } ?? []
            let match: [IptablesMatch] = [.protocol(m.transport.rawValue),
                                          .destinationPort(transport: m.transport.rawValue, port: m.hostPort)]
            if config.snat {
                // masqAll: any source (`-s 0.0.0.0/0`, which iptables-save prints as no -s at all).
                let hairpinSource = config.masqAll ? [] : [IptablesMatch.source(.prefix(pod.network))]
                rules.append(IptablesRule(chain: dnatChain, hairpinSource + destination + match, .jump(setMarkTarget)))
                if family == .v4 && !config.masqAll, let loopback = IPAddress("127.0.0.1") {
                    rules.append(IptablesRule(chain: dnatChain, [.source(.host(loopback))] + destination + match, .jump(setMarkTarget)))
                }
            }
            rules.append(IptablesRule(chain: dnatChain, destination + match, .dnat(pod.address, port: m.containerPort)))
        }
        return rules
    }

    /// The protocol and port list of an entry rule, which identify it even when conditions
    /// were reordered by iptables-save.
    static func entryKey(_ rule: IptablesRule) -> [String] {
        [rule.chain, rule.target ?? ""] + [rule.protocolName, rule.destinationPortList].compactMap { $0 }
    }
}
