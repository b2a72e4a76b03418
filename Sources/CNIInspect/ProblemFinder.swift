import CNIValues

/// Finds what is wrong on the node (pure): leftovers of gone containers (grouped per container),
/// veths without pods, MTU and subnet disagreements with subnet.env.
public struct ProblemFinder: Sendable {
    public let snapshot: NodeSnapshot
    /// Where cleanup commands run; shapes only the advice text.
    public let context: CleanupStep.Context

    public init(snapshot: NodeSnapshot, context: CleanupStep.Context = CleanupStep.Context()) {
        self.snapshot = snapshot
        self.context = context
    }

    public func problems() -> [Problem] {
        var out = bridgeProblems() + vethProblems() + mtuProblems()
        let (traces, orphans) = ContainerTrace.collect(snapshot)
        out += traces.compactMap(problem(for:))
        for artifact in orphans {
            guard case .iptablesChain(_, let name) = artifact.item else { continue }
            out.append(Problem(kind: .orphanChain, subject: name,
                               summary: "\(artifact.backend.rawValue) nat chain \(name) belongs to no known container and nothing jumps to it",
                               details: [artifact.summary], steps: CleanupPlan.firewallSteps([artifact])))
        }
        for name in snapshot.orphanIFBs {
            out.append(Problem(kind: .orphanIFB, subject: name,
                               summary: "bandwidth ifb \(name) shapes no pod: no filter on any link redirects to it (pod gone without CNI DEL?)",
                               steps: [.deleteLink(name: name)]))
        }
        let order = Problem.Kind.allCases
        return out.sorted { a, b in
            let ka = order.firstIndex(of: a.kind) ?? 0, kb = order.firstIndex(of: b.kind) ?? 0
            return ka != kb ? ka < kb : a.subject < b.subject
        }
    }

    // MARK: - Containers

    func problem(for trace: ContainerTrace) -> Problem? {
        guard !trace.isLive else { return nil }
        let id = trace.containerID
        var details: [String] = []
        for a in trace.allocations {
            details.append("IP \(a.ip) (network \(a.network), ifname \(a.ifname ?? "-")): \(a.path)")
        }
        if let c = trace.savedConfig {
            details.append("saved flannel config: \(c.path)" + (c.error.map { " (unusable: \($0))" } ?? " (type \(c.type ?? "?"))"))
        }
        for m in trace.hostPorts {
            details.append("hostPort \(m.protocol) \(m.hostIP.map { $0 + ":" } ?? "")\(m.hostPort) -> \(m.destination) (\(m.backend.rawValue))")
        }
        details += trace.artifacts.map(\.summary)
        let ips = trace.allocations.map { $0.ip.description }.joined(separator: ", ")
        let parts = [
            trace.allocations.isEmpty ? nil : count(trace.allocations.count, "IP reservation"),
            trace.savedConfig == nil ? nil : "a saved flannel config",
            trace.artifacts.isEmpty ? nil : count(trace.artifacts.count, "NAT rule/chain", plural: "NAT rules/chains"),
        ].compactMap { $0 }
        let unseen = snapshot.ports.filter { $0.isVeth && $0.match == .none }.count
        if unseen > 0 && !trace.allocations.isEmpty {
            details.append("note: \(count(unseen, "bridge port")) without a visible pod; make sure none of them is this container")
        }
        let kind: Problem.Kind
        let summary: String
        switch (trace.allocations.isEmpty, trace.savedConfig == nil, trace.artifacts.isEmpty) {
        case (false, true, true):
            kind = .leakedIP
            summary = "\(ips) allocated to container \(id), which no live pod holds"
        case (true, false, true):
            kind = .savedConfigWithoutIP
            summary = "flannel saved config of container \(id) without any IP allocated (an ADD that failed, or a DEL that never came)"
        case (true, true, false):
            kind = .staleRules
            summary = "NAT rules for container \(id), which has no IP and no pod"
        default:
            kind = .staleContainer
            summary = "container \(id) has no live pod (netns deleted without CNI DEL?) but left \(parts.joined(separator: ", "))"
        }
        return Problem(kind: kind, subject: id, summary: summary, details: details, steps: CleanupPlan.steps(for: trace))
    }

    // MARK: - Node

    func bridgeProblems() -> [Problem] {
        guard let env = snapshot.subnetEnv, let bridge = snapshot.bridge else { return [] }
        var details: [String] = []
        var stale: [IPNetwork] = [], wanted: [IPNetwork] = []
        for want in env.expectedBridgeAddresses where !bridge.addresses.contains(want) {
            let has = bridge.addresses.filter { $0.family == want.family }
            details.append("subnet.env wants \(want) on \(bridge.name); it has \(has.isEmpty ? "none" : has.map(\.description).joined(separator: ", "))")
            wanted.append(want)
            // Addresses outside every current pod subnet: the gateway of an earlier lease.
            stale += has.filter { a in !env.podSubnets.contains { $0.contains(a.address) || a.network.contains($0.address) } }
        }
        // A bridge without ports says nothing about the MTU: the kernel resets it to 1500 when
        // its last port leaves and lowers it to the smallest port's MTU when one joins
        // (br_mtu_auto_adjust), so an idle cni0 at 1500 is every node after its last pod left.
        if let mtu = env.mtu, bridge.mtu != mtu, !bridge.ports.isEmpty {
            details.append("subnet.env FLANNEL_MTU=\(mtu); \(bridge.name) has mtu \(bridge.mtu)")
        }
        guard !details.isEmpty else { return [] }
        let pods = snapshot.ports.filter(\.isVeth).map(\.name).sorted()
        let leaseChanged = !stale.isEmpty
        var advice = ["new pods will fail (\"cni0\" already has an IP address different from …) or get the old MTU"]
        var steps: [CleanupStep] = []
        if leaseChanged && pods.isEmpty {
            // What the bridge plugin does itself on the next ADD; --fix does it now.
            steps = [.replaceAddresses(link: bridge.name, remove: stale, add: wanted)]
        } else if leaseChanged {
            details.append("old subnet \(stale.map { $0.network.description }.joined(separator: ", ")), new subnet "
                + env.podSubnets.map(\.description).joined(separator: ", ") + "; pods still attached: " + pods.joined(separator: ", "))
            advice = ["the node's subnet changed (flannel's lease): new pods fail until the pods of the old subnet are gone",
                      "delete those pods (they cannot reach the new subnet), then run cni-inspect --fix to replace \(bridge.name)'s address"]
        } else {
            advice.append("once no pod uses it: \(context.enter)ip link del \(ShellWords.quote(bridge.name))  (the bridge plugin re-creates it)")
        }
        return [Problem(
            kind: .bridgeMismatch, subject: bridge.name,
            summary: "\(bridge.name) disagrees with \(env.path) (flannel's lease changed?)", details: details,
            steps: steps, advice: advice)]
    }

    func vethProblems() -> [Problem] {
        snapshot.ports.filter { $0.isVeth && $0.match == .none }.map { port in
            Problem(kind: .vethWithoutPod, subject: port.name,
                    summary: "\(port.name) is a port of \(snapshot.bridgeName) but its peer (ifindex \(port.peerIndex.map(String.init) ?? "?")) is in no visible netns",
                    details: ["peer netns id \(port.peerNetnsID.map(String.init) ?? "-"); scanned /run/netns and /proc/*/ns/net"],
                    steps: [.deleteLink(name: port.name)])
        }
    }

    func mtuProblems() -> [Problem] {
        guard let mtu = snapshot.subnetEnv?.mtu else { return [] }
        var out: [Problem] = []
        for port in snapshot.ports where port.match == .exact || port.match == .unique {
            guard let pod = port.pod, pod.mtu != mtu || port.mtu != mtu else { continue }
            let subject = snapshot.containerID(of: pod) ?? pod.netns
            out.append(Problem(
                kind: .mtuMismatch, subject: subject,
                summary: "pod \(subject) has mtu \(pod.mtu) (host \(port.name): \(port.mtu)); subnet.env says \(mtu)",
                details: ["pod \(pod.name) in \(pod.netns): mtu \(pod.mtu)", "host \(port.name): mtu \(port.mtu)"],
                advice: ["recreate the pod, or:",
                         "nsenter --net=\(ShellWords.quote(pod.netns)) ip link set dev \(ShellWords.quote(pod.name)) mtu \(mtu)",
                         "\(context.enter)ip link set dev \(ShellWords.quote(port.name)) mtu \(mtu)"]))
        }
        return out
    }

    func count(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}
