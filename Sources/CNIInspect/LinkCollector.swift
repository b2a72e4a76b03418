import CNINetlink
import CNISystem
import CNIValues

/// Reads the bridge, its ports and their pods over netlink. The host end of each veth is matched
/// to its pod end by scanning every netns: the pod interface's IFLA_LINK is the host veth's
/// ifindex and the host veth's IFLA_LINK the pod interface's. Ifindexes are per namespace, so when
/// several namespaces pair up, the node's netns id for the peer (IFLA_LINK_NETNSID, compared with
/// the id the node gives each scanned netns: RTM_GETNSID) picks the right one.
struct LinkCollector {
    /// The node netns (nil: the current one).
    let node: NetworkNamespace?
    let nodePath: String
    var scanner = NamespaceScanner()

    func collect(bridgeName: String, notes: inout [String]) throws -> BridgeState? {
        let socket = try node.map { try NetlinkSocket(in: $0) } ?? NetlinkSocket()
        let links = try socket.links()
        guard let link = links.first(where: { $0.name == bridgeName }) else { return nil }
        if link.kind != "bridge" { notes.append("\(bridgeName) is a \(link.kind ?? "plain") device, not a bridge") }
        var bridge = BridgeState(name: link.name, index: link.index, mtu: link.mtu, mac: link.mac, isUp: link.isUp,
                                 addresses: try globalAddresses(socket, index: link.index))
        let ports = links.filter { $0.masterIndex == link.index }
        guard !ports.isEmpty else { return bridge }
        let pods = ports.contains { $0.kind == "veth" } ? podEnds(node: socket) : []
        for port in ports {
            bridge.ports.append(match(port, pods: pods, notes: &notes))
        }
        return bridge
    }

    /// A scanned veth end: its netns, the id the node knows that netns by, and the link.
    struct PodEnd {
        let netns: NamespaceScanner.Found
        let nsid: Int32?
        let link: Link
    }

    func podEnds(node: NetlinkSocket) -> [PodEnd] {
        var excluded: [FileIdentity] = []
        if let nodeIdentity = FileIdentity(path: nodePath) { excluded.append(nodeIdentity) }
        var ends: [PodEnd] = []
        for found in scanner.scan(excluding: excluded) {
            // Namespaces vanish while we look, and /run/netns may hold stale files: skip them.
            guard let ns = try? NetworkNamespace(path: found.path), let socket = try? NetlinkSocket(in: ns),
                  let links = try? socket.links() else { continue }
            let nsid = (try? node.namespaceID(of: ns)) ?? nil
            for l in links where l.kind == "veth" && l.parentIndex != nil && l.linkNetnsID != nil {
                ends.append(PodEnd(netns: found, nsid: nsid, link: l))
            }
        }
        return ends
    }

    func match(_ link: Link, pods: [PodEnd], notes: inout [String]) -> BridgePort {
        var port = BridgePort(name: link.name, index: link.index, kind: link.kind, mtu: link.mtu, mac: link.mac,
                              hairpin: link.hairpin, peerIndex: link.parentIndex, peerNetnsID: link.linkNetnsID,
                              match: link.kind == "veth" ? .none : .notVeth)
        guard link.kind == "veth", let peer = link.parentIndex else { return port }
        var candidates = pods.filter { $0.link.index == peer && $0.link.parentIndex == link.index }
        var exact = false
        if let nsid = link.linkNetnsID {
            // The node has an id for the peer's netns, and RTM_GETNSID gives that same id for it:
            // a scanned netns with another id (or none) only shares the ifindexes by chance.
            candidates = candidates.filter { $0.nsid == nsid }
            exact = candidates.count == 1
        }
        guard !candidates.isEmpty else { return port }
        let interfaces = candidates.map { podInterface($0, notes: &notes) }
        port.pod = interfaces.first
        port.match = exact ? .exact : (candidates.count == 1 ? .unique : .ambiguous)
        if port.match == .ambiguous { port.candidates = interfaces }
        return port
    }

    func podInterface(_ end: PodEnd, notes: inout [String]) -> ObservedPod {
        var addresses: [IPNetwork] = []
        do {
            let socket = try NetlinkSocket(in: try NetworkNamespace(path: end.netns.path))
            addresses = try globalAddresses(socket, index: end.link.index)
        } catch {
            notes.append("addresses of \(end.link.name) in \(end.netns.path): \(error)")
        }
        return ObservedPod(netns: end.netns.path, netnsInode: end.netns.identity.inode, name: end.link.name,
                            index: end.link.index, peerIndex: end.link.parentIndex, mtu: end.link.mtu, mac: end.link.mac,
                            addresses: addresses)
    }

    func globalAddresses(_ socket: NetlinkSocket, index: Int32) throws -> [IPNetwork] {
        try socket.addresses(index: index).map(\.network).filter { !$0.address.isLinkLocalUnicast && !$0.address.isLoopback }
    }
}
