import CNIFirewall

/// What the node's NAT rules say about pods: hostPort mappings and masquerade entries for display,
/// and every per-container rule or chain (`artifacts`) so a gone container's rules can be removed.
public struct FirewallState: Sendable, Equatable {
    public var hostPorts: [HostPortMapping] = []
    public var masquerades: [MasqueradeEntry] = []
    public var artifacts: [FirewallArtifact] = []

    public init(hostPorts: [HostPortMapping] = [], masquerades: [MasqueradeEntry] = [], artifacts: [FirewallArtifact] = []) {
        self.hostPorts = hostPorts
        self.masquerades = masquerades
        self.artifacts = artifacts
    }

    public mutating func merge(_ other: FirewallState) {
        hostPorts += other.hostPorts
        masquerades += other.masquerades
        artifacts += other.artifacts
    }

    /// Every container ID that owns a rule.
    public var containerIDs: [String] {
        var seen: [String] = []
        for a in artifacts { if let id = a.containerID, !seen.contains(id) { seen.append(id) } }
        return seen
    }
}

/// The rule backends the inspector reads.
public enum FirewallBackend: String, Sendable, Equatable, Comparable {
    case iptables, ip6tables, nftables

    public static func < (a: FirewallBackend, b: FirewallBackend) -> Bool { a.rawValue < b.rawValue }
}

/// One hostPort → pod mapping (portmap's iptables DNAT rule, or its nft `hostports` rule).
public struct HostPortMapping: Sendable, Equatable {
    public var containerID: String
    /// From the iptables comment; nft rules carry only the container ID.
    public var network: String?
    public var backend: FirewallBackend
    public var `protocol`: String
    /// `-d` / `ip daddr`, when the mapping is bound to one host address.
    public var hostIP: String?
    public var hostPort: Int
    /// `ip:port` (`[ip]:port` for IPv6).
    public var destination: String
    /// The `CNI-DN-…` chain, or the nft chain.
    public var chain: String

    public init(containerID: String, network: String?, backend: FirewallBackend, protocol: String, hostIP: String? = nil,
                hostPort: Int, destination: String, chain: String) {
        self.containerID = containerID
        self.network = network
        self.backend = backend
        self.protocol = `protocol`
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.destination = destination
        self.chain = chain
    }

    /// The destination's IP without port and brackets.
    public var destinationIP: String {
        var d = destination
        if d.hasPrefix("["), let close = d.firstIndex(of: "]") {
            return String(d[d.index(after: d.startIndex)..<close])
        }
        if let colon = d.lastIndex(of: ":") { d = String(d[..<colon]) }
        return d
    }
}

/// One masquerade rule of a pod address (bridge's ipMasq).
public struct MasqueradeEntry: Sendable, Equatable {
    public var containerID: String
    public var network: String?
    public var backend: FirewallBackend
    /// The pod address (`-s 10.244.1.3/32` → `10.244.1.3`).
    public var source: String
    /// `CNI-<24 hex>`, or the nft chain.
    public var chain: String

    public init(containerID: String, network: String?, backend: FirewallBackend, source: String, chain: String) {
        self.containerID = containerID
        self.network = network
        self.backend = backend
        self.source = source
        self.chain = chain
    }
}

/// A rule or chain that exists for one container, and what removes it.
public struct FirewallArtifact: Sendable, Equatable {
    public enum Item: Sendable, Equatable {
        /// A rule outside the container's own chains (entry rule, POSTROUTING jump): deleted with `-D`.
        case iptablesRule(ipv6: Bool, rule: IptablesRule)
        /// A per-container chain: flushed and deleted (`-F`, `-X`).
        case iptablesChain(ipv6: Bool, name: String)
        /// An nft rule: `delete rule <family> <table> <chain> handle <n>`.
        case nftRule(family: String, table: String, chain: String, handle: Int, text: String)
    }

    public enum Purpose: String, Sendable, Equatable {
        case hostPort = "hostport"
        case masquerade
    }

    /// nil for a per-container chain nothing points at and whose owner is unknown.
    public var containerID: String?
    public var network: String?
    public var purpose: Purpose
    public var item: Item

    public init(containerID: String?, network: String?, purpose: Purpose, item: Item) {
        self.containerID = containerID
        self.network = network
        self.purpose = purpose
        self.item = item
    }

    public var backend: FirewallBackend {
        switch item {
        case .iptablesRule(let v6, _), .iptablesChain(let v6, _): return v6 ? .ip6tables : .iptables
        case .nftRule: return .nftables
        }
    }

    /// One line for reports: `iptables nat chain CNI-DN-…`, `iptables nat rule -A …`, `nft rule …`.
    public var summary: String {
        switch item {
        case .iptablesChain(_, let name): return "\(backend.rawValue) nat chain \(name)"
        case .iptablesRule(_, let rule): return "\(backend.rawValue) nat rule \(rule.description)"
        case .nftRule(let family, let table, let chain, let handle, let text):
            return "nft rule \(family) \(table) \(chain) handle \(handle): \(text)"
        }
    }
}
