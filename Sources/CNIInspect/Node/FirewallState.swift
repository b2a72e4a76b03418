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
