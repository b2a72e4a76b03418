import CNINetlink

/// ifbs of the bandwidth plugin's shape (`bwp` + 12 hex digits, kind ifb) that no filter on any
/// link's ingress hook redirects to: their pod is gone without a DEL. Never found by name alone:
/// another network's ifb looks the same, and it is live as long as a filter redirects to it.
package enum OrphanIFB {
    package static func find(socket: NetlinkSocket) throws -> [Link] {
        let links = try socket.links()
        let candidates = links.filter { $0.kind == "ifb" && ShapingIFBName.matches($0.name) }
        guard !candidates.isEmpty else { return [] }
        let live = try redirectTargets(socket: socket, links: links)
        return candidates.filter { !live.contains(InterfaceIndex($0.index)) }
    }

    /// Every ifindex a filter on an `ingress` or `clsact` hook of this namespace redirects to.
    package static func redirectTargets(socket: NetlinkSocket, links: [Link]) throws -> Set<InterfaceIndex> {
        var targets = Set<InterfaceIndex>()
        let qdiscs = try socket.qdiscs()
        for link in links where link.kind != "ifb" {
            let index = InterfaceIndex(link.index)
            guard let hook = try socket.ingressHook(on: index, qdiscs: qdiscs) else { continue }
            for filter in try socket.filters(on: index, parent: hook) { targets.formUnion(filter.redirectTargets) }
        }
        return targets
    }
}
