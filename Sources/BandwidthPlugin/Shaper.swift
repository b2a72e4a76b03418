import CNINetlink
import CNIProtocol
import CNISystem

/// Puts one attachment's shaping on the node, over one rtnetlink socket in the node's namespace:
///
/// - ingress (into the pod): a root tbf 1: on the host veth;
/// - egress (from the pod): an ifb `bwp…` (MTU of the veth, txqueuelen 0, up) with a root tbf 1:,
///   and on the host veth's ingress hook a u32 match-all filter (protocol all, class 1:1) whose one
///   mirred action redirects every packet to the ifb. The hook is an `ingress` qdisc ffff:, or the
///   `clsact` qdisc an eBPF agent already put there (its filters are left alone).
///
/// A repeated ADD converges (the tbf is replaced; the old ifb and the filter that redirected to
/// it are removed first); a failed ADD removes what it created.
struct Shaper {
    let socket: NetlinkSocket
    let plan: TokenBucketPlan

    /// What an ADD created, undone in reverse order when a later step fails.
    private struct Created {
        var rootBucket: InterfaceIndex?
        var ifb: InterfaceIndex?
        var ingressQdisc: InterfaceIndex?
    }

    /// Applies `limits` to `veth`; returns the ifb (name, MAC) when egress is shaped. One qdisc
    /// dump of the veth serves both the rollback decision and the choice of the ingress hook; the
    /// previous ADD's egress objects are looked for only when the ifb already exists.
    func apply(_ limits: BandwidthLimits, veth: HostVeth, ifbName: String) throws -> Link? {
        var created = Created()
        do {
            let qdiscs = try socket.qdiscs(on: veth.index)
            if limits.shapesIngress {
                try socket.addTokenBucket(plan.bucket(rate: limits.ingressRate, burst: limits.ingressBurst), on: veth.index, .replacing)
                if qdiscs.first(where: \.isRoot)?.kind != "tbf" { created.rootBucket = veth.index }
            }
            guard limits.shapesEgress else { return nil }
            do {
                try createIFB(ifbName, mtu: veth.mtu)
            } catch let error as NetlinkError where error.errno == .fileExists {
                try removeEgress(ifbName: ifbName, veth: veth.index)  // a repeated ADD
                try createIFB(ifbName, mtu: veth.mtu)
            }
            guard var ifb = try socket.link(named: ifbName) else {
                throw CNIError.internalFailure("create ifb \(ifbName): link not found after creation")
            }
            created.ifb = InterfaceIndex(ifb.index)
            // The ifb's tbf while it is down (no wait for in-flight packets), then up, then the
            // redirect: nothing is ever sent to an ifb that is down.
            try socket.addTokenBucket(plan.bucket(rate: limits.egressRate, burst: limits.egressBurst), on: InterfaceIndex(ifb.index))
            try socket.setLinkUp(index: ifb.index)
            ifb.isUp = true
            let hook: TCHandle
            let priority: UInt16
            if let existing = try socket.ingressHook(on: veth.index, qdiscs: qdiscs) {
                hook = existing
                priority = try freePriority(veth.index, hook: hook)
            } else {
                try socket.addIngressQdisc(on: veth.index)
                created.ingressQdisc = veth.index
                hook = .ingressQdisc
                priority = 1  // a new qdisc holds no filter
            }
            try socket.addRedirectFilter(on: veth.index, parent: hook, priority: priority, target: InterfaceIndex(ifb.index))
            return ifb
        } catch {
            undo(created)
            throw error
        }
    }

    private func createIFB(_ name: String, mtu: Int) throws {
        do {
            try socket.createIFB(name: name, mtu: mtu, up: false)
        } catch let error as NetlinkError where error.errno == .notSupported {
            throw CNIError.internalFailure("create ifb \(name): \(error.errno): the kernel has no ifb support (load the ifb module: modprobe ifb)")
        }
    }

    private func undo(_ created: Created) {
        if let index = created.ingressQdisc {
            try? socket.deleteQdisc(on: index, handle: .ingressQdisc, parent: .ingressParent)
        }
        if let index = created.ifb { try? socket.deleteLink(index: index.rawValue) }
        if let index = created.rootBucket { try? socket.deleteQdisc(on: index, handle: .firstRoot, parent: .root) }
    }

    /// Priority 1 (the reference's) unless another filter holds it; then the first free one.
    private func freePriority(_ veth: InterfaceIndex, hook: TCHandle) throws -> UInt16 {
        let used = Set(try socket.filters(on: veth, parent: hook).map(\.priority))
        var priority: UInt16 = 1
        while used.contains(priority), priority < UInt16.max { priority += 1 }
        return priority
    }

    /// A previous ADD's egress objects of this attachment: the filter on `veth` that redirects to
    /// the old ifb, then the ifb itself.
    private func removeEgress(ifbName: String, veth: InterfaceIndex) throws {
        guard let old = try socket.link(named: ifbName) else { return }
        if let hook = try socket.ingressHook(on: veth) {
            let target = InterfaceIndex(old.index)
            for filter in try socket.filters(on: veth, parent: hook) where filter.kind == "u32" && filter.redirectTargets.contains(target) {
                try? socket.deleteFilters(on: veth, parent: hook, priority: filter.priority)
            }
        }
        try socket.deleteLink(index: old.index)
    }
}
