import CNIFirewall

/// A rule or chain that exists for one container, and what removes it.
struct FirewallArtifact: Sendable, Equatable {
    enum Item: Sendable, Equatable {
        /// A rule outside the container's own chains (entry rule, POSTROUTING jump): deleted with `-D`.
        case iptablesRule(ipv6: Bool, rule: IptablesRule)
        /// A per-container chain: flushed and deleted (`-F`, `-X`).
        case iptablesChain(ipv6: Bool, name: String)
        /// An nft rule: `delete rule <family> <table> <chain> handle <n>`.
        case nftRule(family: String, table: String, chain: String, handle: Int, text: String)
    }

    enum Purpose: String, Sendable, Equatable {
        case hostPort = "hostport"
        case masquerade
    }

    /// nil for a per-container chain nothing points at and whose owner is unknown.
    var containerID: String?
    var network: String?
    var purpose: Purpose
    var item: Item

    var backend: FirewallBackend {
        switch item {
        case .iptablesRule(let v6, _), .iptablesChain(let v6, _): return v6 ? .ip6tables : .iptables
        case .nftRule: return .nftables
        }
    }

    /// One line for reports: `iptables nat chain CNI-DN-…`, `iptables nat rule -A …`, `nft rule …`.
    var summary: String {
        switch item {
        case .iptablesChain(_, let name): return "\(backend.rawValue) nat chain \(name)"
        case .iptablesRule(_, let rule): return "\(backend.rawValue) nat rule \(rule.description)"
        case .nftRule(let family, let table, let chain, let handle, let text):
            return "nft rule \(family) \(table) \(chain) handle \(handle): \(text)"
        }
    }
}
