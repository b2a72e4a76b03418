import CNINetlink
import CNIProtocol

/// CHECK: every object ADD puts on the node is there with the values the same config gives now
/// (the reference stops at the first non-tbf qdisc, so it passes with all of them gone).
struct ShapingCheck {
    let socket: NetlinkSocket
    let plan: TokenBucketPlan

    func verify(_ limits: BandwidthLimits, veth: HostVeth, ifbName: String) throws {
        if limits.shapesIngress {
            try verifyBucket(on: veth.index, device: veth.name, plan.bucket(rate: limits.ingressRate, burst: limits.ingressBurst))
        }
        guard limits.shapesEgress else { return }
        guard let ifb = try socket.link(named: ifbName) else {
            throw CNIError.internalFailure("get ifb device: Link not found", details: ifbName)
        }
        guard ifb.kind == "ifb" else { throw CNIError.internalFailure("\(ifbName) is a \(ifb.kind ?? "device") device, not an ifb") }
        guard ifb.isUp else { throw CNIError.internalFailure("ifb \(ifbName) is down") }
        guard ifb.mtu == veth.mtu else {
            throw CNIError.internalFailure("ifb \(ifbName) has MTU \(ifb.mtu), host veth \(veth.name) has \(veth.mtu)")
        }
        try verifyBucket(on: InterfaceIndex(ifb.index), device: ifbName, plan.bucket(rate: limits.egressRate, burst: limits.egressBurst))
        guard let hook = try socket.ingressHook(on: veth.index) else {
            throw CNIError.internalFailure("no ingress qdisc on \(veth.name): traffic from the pod is not redirected to \(ifbName)")
        }
        let target = InterfaceIndex(ifb.index)
        let redirects = try socket.filters(on: veth.index, parent: hook).contains {
            $0.kind == "u32" && $0.matchesAll && $0.redirectTargets.first == target
        }
        guard redirects else {
            throw CNIError.internalFailure("no filter on \(veth.name) redirects the pod's traffic to \(ifbName)")
        }
    }

    private func verifyBucket(on index: InterfaceIndex, device: String, _ expected: TokenBucket) throws {
        guard let root = try socket.qdiscs(on: index).first(where: \.isRoot), root.kind == "tbf", let actual = root.tokenBucket else {
            throw CNIError.internalFailure("Failed to find qdisc", details: "no root tbf on \(device)")
        }
        if actual.rate != expected.rate { throw CNIError.internalFailure("Rate doesn't match", details: "\(device): \(actual), want \(expected)") }
        if actual.limit != expected.limit { throw CNIError.internalFailure("Limit doesn't match", details: "\(device): \(actual), want \(expected)") }
        if actual.buffer != expected.buffer { throw CNIError.internalFailure("Buffer doesn't match", details: "\(device): \(actual), want \(expected)") }
    }
}
