import CNIFirewall

/// Reads portmap's and bridge's per-container rules out of `nft -j list ruleset` (pure; the JSON
/// is read by `NftRuleListing`, the rule expressions are `NftRule` values):
///
/// - `table ip|ip6 cni_hostport`, chains `hostports` / `hostip_hostports` (mappings) and
///   `masquerading`; every rule commented with the container ID (`containernetworking/plugins:plugins/meta/portmap/portmap_nftables.go`);
/// - `table inet cni_plugins_masquerade`, chain `masq_checks`; comment `MasqueradeComment`
///   (`containernetworking/plugins:pkg/ip/ipmasq_nftables_linux.go`).
///
/// Other tables (iptables-nft's `ip nat`, …) are skipped.
public enum NftStateParser {
    public static let hostPortTable = PortmapNames.nftTable
    public static let masqueradeTable = MasqueradeNames.nftTable
    static let hostPortMasqueradeChain = PortmapNames.nftMasqueradingChain

    /// Parses `nft -j list ruleset` output.
    public static func parse(json text: String) throws -> FirewallState {
        parse(try NftRuleListing(json: text))
    }

    public static func parse(_ listing: NftRuleListing) -> FirewallState {
        var state = FirewallState()
        for rule in listing.rules where rule.table == hostPortTable || rule.table == masqueradeTable {
            guard let comment = rule.comment else { continue }
            let item = FirewallArtifact.Item.nftRule(family: rule.family, table: rule.table, chain: rule.chain,
                                                     handle: rule.handle, text: rule.text)
            if rule.table == hostPortTable {
                guard !comment.isEmpty else { continue }
                let purpose: FirewallArtifact.Purpose = rule.chain == hostPortMasqueradeChain ? .masquerade : .hostPort
                state.artifacts.append(FirewallArtifact(containerID: comment, network: nil, purpose: purpose, item: item))
                if purpose == .hostPort, let mapping = mapping(rule.expression, containerID: comment, chain: rule.chain) {
                    state.hostPorts.append(mapping)
                }
            } else {
                let owner = MasqueradeComment.fields(of: comment)
                guard let id = owner.containerID else { continue }
                state.artifacts.append(FirewallArtifact(containerID: id, network: owner.network, purpose: .masquerade, item: item))
                if let source = rule.expression.address(.source) {
                    state.masquerades.append(MasqueradeEntry(containerID: id, network: owner.network, backend: .nftables,
                                                             source: source.description, chain: rule.chain))
                }
            }
        }
        return state
    }

    /// `[ip daddr X] tcp dport 8080 dnat to 10.244.1.3:80`
    static func mapping(_ rule: NftRule, containerID: String, chain: String) -> HostPortMapping? {
        guard let (transport, port) = rule.destinationPort, let destination = rule.dnatTarget else { return nil }
        return HostPortMapping(containerID: containerID, network: nil, backend: .nftables, protocol: transport,
                               hostIP: rule.address(.destination).map(\.description), hostPort: port,
                               destination: destination, chain: chain)
    }
}
