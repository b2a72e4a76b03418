/// What the node's NAT rules say about pods: hostPort mappings and masquerade entries for display,
/// and every per-container rule or chain (`artifacts`) so a gone container's rules can be removed.
struct FirewallState: Sendable, Equatable {
    var hostPorts: [HostPortMapping] = []
    var masquerades: [MasqueradeEntry] = []
    var artifacts: [FirewallArtifact] = []

    mutating func merge(_ other: FirewallState) {
        hostPorts += other.hostPorts
        masquerades += other.masquerades
        artifacts += other.artifacts
    }

    /// Every container ID that owns a rule.
    var containerIDs: [String] {
        var seen: [String] = []
        for a in artifacts { if let id = a.containerID, !seen.contains(id) { seen.append(id) } }
        return seen
    }
}
