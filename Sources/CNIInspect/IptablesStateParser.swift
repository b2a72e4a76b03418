import CNIFirewall

/// Reads portmap's and bridge's per-container NAT rules out of `iptables-save -t nat` text (pure).
///
/// - portmap (`containernetworking/plugins:plugins/meta/portmap/portmap_iptables.go`): `-A CNI-HOSTPORT-DNAT … --comment "dnat name: \"<net>\" id: \"<cid>\"" … -j CNI-DN-<21 hex>`,
///   the DN chain's `-j DNAT --to-destination ip:port` rules give the mappings.
/// - bridge (`containernetworking/plugins:pkg/ip/ipmasq_iptables_linux.go`): `-A POSTROUTING -s <ip> … --comment "name: \"<net>\" id: \"<cid>\"" -j CNI-<24 hex>`.
/// - `CNI-DN-…` / `CNI-<24 hex>` chains nothing owns are kept as artifacts without a container.
public enum IptablesStateParser {
    public static func parse(_ text: String, ipv6: Bool) -> FirewallState {
        let ruleset = IptablesRuleset(saveOutput: text, table: "nat")
        let backend: FirewallBackend = ipv6 ? .ip6tables : .iptables
        var state = FirewallState()
        var owners: [(chain: String, owner: Owner)] = []
        var recorded: [IptablesRule] = []

        func own(_ rule: IptablesRule, chain: String, _ owner: Owner) {
            state.artifacts.append(FirewallArtifact(containerID: owner.containerID, network: owner.network, purpose: owner.purpose,
                                                    item: .iptablesRule(ipv6: ipv6, rule: rule)))
            recorded.append(rule)
            if !owners.contains(where: { $0.chain == chain }) { owners.append((chain, owner)) }
        }

        for rule in ruleset.rules(in: PortmapNames.topLevelDNATChain) {
            guard let target = rule.target, isHostPortChain(target),
                  let (network, id) = commentOwner(rule, prefix: OwnerComment.portmapPrefix) else { continue }
            own(rule, chain: target, Owner(containerID: id, network: network, purpose: .hostPort))
        }
        for rule in ruleset.rules(in: MasqueradeNames.jumpChain) {
            guard let target = rule.target, isMasqueradeChain(target),
                  let (network, id) = commentOwner(rule, prefix: "") else { continue }
            own(rule, chain: target, Owner(containerID: id, network: network, purpose: .masquerade))
            if let source = rule.sourceText {
                state.masquerades.append(MasqueradeEntry(containerID: id, network: network, backend: backend,
                                                         source: hostAddress(source), chain: target))
            }
        }
        // Chains nobody claims by comment: owner unknown (the finder may still match their hash).
        for chain in ruleset.chains where isHostPortChain(chain) || isMasqueradeChain(chain) {
            if !owners.contains(where: { $0.chain == chain }) {
                owners.append((chain, Owner(containerID: nil, network: nil,
                                            purpose: isHostPortChain(chain) ? .hostPort : .masquerade)))
            }
        }
        for (chain, owner) in owners {
            // Any other rule pointing at the chain must go before the chain can be deleted.
            for rule in ruleset.rules(jumpingTo: chain) where !recorded.contains(rule) {
                state.artifacts.append(FirewallArtifact(containerID: owner.containerID, network: owner.network,
                                                        purpose: owner.purpose, item: .iptablesRule(ipv6: ipv6, rule: rule)))
                recorded.append(rule)
            }
            state.artifacts.append(FirewallArtifact(containerID: owner.containerID, network: owner.network, purpose: owner.purpose,
                                                    item: .iptablesChain(ipv6: ipv6, name: chain)))
            guard owner.purpose == .hostPort, let id = owner.containerID else { continue }
            for rule in ruleset.rules(in: chain) {
                guard let port = rule.destinationPort, let destination = rule.dnatDestination else { continue }
                state.hostPorts.append(HostPortMapping(
                    containerID: id, network: owner.network, backend: backend,
                    protocol: rule.protocolName ?? "all",
                    hostIP: rule.destinationText.map(hostAddress),
                    hostPort: port, destination: destination, chain: chain))
            }
        }
        return state
    }

    struct Owner {
        var containerID: String?
        var network: String?
        var purpose: FirewallArtifact.Purpose
    }

    /// `CNI-DN-` + 21 lowercase hex.
    public static func isHostPortChain(_ name: String) -> Bool {
        ChainName.isPortmapDNAT(name)
    }

    /// `CNI-` + 24 lowercase hex.
    public static func isMasqueradeChain(_ name: String) -> Bool {
        ChainName.isMasquerade(name)
    }

    /// `(network, containerID)` from `<prefix>name: "<net>" id: "<cid>"` (`OwnerComment`).
    public static func parseComment(_ comment: String, prefix: String) -> (network: String, containerID: String)? {
        OwnerComment(parsing: comment, prefix: prefix).map { ($0.network, $0.containerID) }
    }

    static func commentOwner(_ rule: IptablesRule, prefix: String) -> (String, String)? {
        guard let comment = rule.comment else { return nil }
        return parseComment(comment, prefix: prefix)
    }

    /// `10.244.1.3/32` → `10.244.1.3` (host prefixes dropped, others kept; text that is no
    /// address is kept as it is).
    static func hostAddress(_ text: String) -> String {
        FirewallAddress(iptablesText: text)?.description ?? text
    }
}
