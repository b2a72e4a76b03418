import CNIFirewall
import CNIValues

/// Everything on the node that names one container ID: reservations, flannel's saved config,
/// NAT rules. The unit of a "stale container" problem.
struct ContainerTrace: Sendable, Equatable {
    var containerID: String
    var allocations: [IPAllocation] = []
    var savedConfig: SavedFlannelConfig?
    var artifacts: [FirewallArtifact] = []
    var hostPorts: [HostPortMapping] = []
    /// The bridge ports whose pods hold one of the container's addresses.
    var livePorts: [BridgePort] = []

    init(containerID: String) { self.containerID = containerID }

    var isLive: Bool { !livePorts.isEmpty }

    /// Groups the snapshot by container ID (in order of first appearance: store, saved configs,
    /// rules). Reservations outside the bridge's pod subnets, and rules of networks this node's
    /// store and saved configs don't know, belong to another network and are left out. Returns
    /// the per-container chains that no container could be matched to, too.
    static func collect(_ snapshot: NodeSnapshot) -> (traces: [ContainerTrace], orphans: [FirewallArtifact]) {
        let subnets = snapshot.podSubnets
        let allocations = snapshot.allocations.filter { a in subnets.isEmpty || subnets.contains { $0.contains(a.ip) } }
        var networks: [String] = []
        for n in allocations.map(\.network) + snapshot.savedConfigs.compactMap(\.network) where !networks.contains(n) {
            networks.append(n)
        }
        let relevant: (String?) -> Bool = { net in net == nil || networks.isEmpty || networks.contains(net ?? "") }

        var traces: [ContainerTrace] = []
        func index(_ id: String) -> Int {
            if let i = traces.firstIndex(where: { $0.containerID == id }) { return i }
            traces.append(ContainerTrace(containerID: id))
            return traces.count - 1
        }
        for a in allocations {
            let i = index(a.containerID)
            traces[i].allocations.append(a)
            if let port = snapshot.port(holding: a.ip), !traces[i].livePorts.contains(where: { $0.index == port.index }) {
                traces[i].livePorts.append(port)
            }
        }
        for c in snapshot.savedConfigs { traces[index(c.containerID)].savedConfig = c }

        var orphans: [FirewallArtifact] = []
        for artifact in snapshot.firewall.artifacts where relevant(artifact.network) {
            if let id = artifact.containerID {
                traces[index(id)].artifacts.append(artifact)
            } else {
                orphans.append(artifact)
            }
        }
        for m in snapshot.firewall.hostPorts where relevant(m.network) {
            if let i = traces.firstIndex(where: { $0.containerID == m.containerID }) { traces[i].hostPorts.append(m) }
        }
        // A chain without an owning rule still carries the container in its hash.
        var unmatched: [FirewallArtifact] = []
        for artifact in orphans {
            guard case .iptablesChain(_, let name) = artifact.item,
                  let owner = owner(ofChain: name, traces: traces, networks: networks)
            else {
                unmatched.append(artifact)
                continue
            }
            var owned = artifact
            owned.containerID = owner.containerID
            owned.network = owner.network
            traces[index(owner.containerID)].artifacts.append(owned)
        }
        // nft hostport rules carry only the container ID: rules whose pods were never on this
        // bridge's subnets (and that nothing else here knows) belong to another network.
        traces.removeAll { t in
            t.allocations.isEmpty && t.savedConfig == nil && !subnets.isEmpty && !t.artifacts.isEmpty
                && t.artifacts.allSatisfy { $0.network == nil }
                && !t.hostPorts.contains { m in IPAddress(m.destinationIP).map { ip in subnets.contains { $0.contains(ip) } } ?? true }
        }
        return (traces, unmatched)
    }

    /// The (network, container) whose chain name is `name`.
    static func owner(ofChain name: String, traces: [ContainerTrace], networks: [String]) -> (network: String, containerID: String)? {
        for t in traces {
            var nets = networks
            for a in t.artifacts { if let n = a.network, !nets.contains(n) { nets.append(n) } }
            for n in nets where ChainName.portmapDNAT(network: n, containerID: t.containerID) == name
                || ChainName.masquerade(network: n, containerID: t.containerID) == name {
                return (n, t.containerID)
            }
        }
        return nil
    }
}
