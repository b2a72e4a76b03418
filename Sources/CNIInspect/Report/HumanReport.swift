/// The one-screen text report (pure): subnet.env, the bridge and its pods, the host-local store,
/// flannel's saved configs, hostPorts and masquerade rules, then the problems with their fixes.
struct HumanReport: Sendable {
    let snapshot: NodeSnapshot
    let problems: [Problem]
    let context: CleanupStep.Context

    init(snapshot: NodeSnapshot, problems: [Problem], context: CleanupStep.Context = CleanupStep.Context()) {
        self.snapshot = snapshot
        self.problems = problems
        self.context = context
    }

    func render() -> String {
        var sections = [header(), subnetSection(), bridgeSection(), storeSection(), savedSection(), rulesSection(),
                        problemSection()]
        if !snapshot.notes.isEmpty { sections.append((["notes:"] + snapshot.notes.map { "  - " + $0 }).joined(separator: "\n")) }
        return sections.joined(separator: "\n\n") + "\n"
    }

    func header() -> String {
        "node netns: \(snapshot.netns ?? "(this one)")"
    }

    func subnetSection() -> String {
        guard let env = snapshot.subnetEnv else { return "subnet.env \(snapshot.subnetFilePath): not readable (see notes)" }
        var lines = ["subnet.env \(env.path):"] + env.values.map { "  \($0.key)=\($0.value)" }
        lines += env.errors.map { "  ! \($0)" }
        if let bridge = snapshot.bridge {
            for want in env.expectedBridgeAddresses {
                let ok = bridge.addresses.contains(want)
                let verdict = ok ? "agrees" : "MISSING (has \(list(bridge.addresses.map(\.description))))"
                lines.append("  \(bridge.name) address \(want): " + verdict)
            }
            if let mtu = env.mtu {
                lines.append("  \(bridge.name) mtu \(bridge.mtu): " + (bridge.mtu == mtu ? "agrees" : "DIFFERS from FLANNEL_MTU=\(mtu)"))
            }
        }
        return lines.joined(separator: "\n")
    }

    func bridgeSection() -> String {
        guard let bridge = snapshot.bridge else { return "bridge \(snapshot.bridgeName): not found" }
        let head = "bridge \(bridge.name): ifindex \(bridge.index), mtu \(bridge.mtu), mac \(bridge.mac?.description ?? "-"), "
            + "\(bridge.isUp ? "up" : "DOWN"), \(list(bridge.addresses.map(\.description))), \(bridge.ports.count) ports"
        guard !bridge.ports.isEmpty else { return head }
        var table = TextTable(headers: ["PORT", "IFINDEX", "PEER", "POD NETNS", "IF", "POD IP", "POD MAC", "MTU", "HAIRPIN", "CONTAINER"],
                              rightAligned: [1, 2])
        for port in bridge.ports {
            let pod = port.pod
            let mtu = pod.map { $0.mtu == port.mtu ? "\($0.mtu)" : "\($0.mtu)/\(port.mtu)" } ?? "\(port.mtu)"
            var netns = pod?.netns ?? (port.isVeth ? "(none found)" : "(\(port.kind ?? "not a veth"))")
            if port.match == .ambiguous { netns += " (ambiguous: \(port.candidates.count))" }
            table.append([
                port.name, "\(port.index)", port.peerIndex.map(\.description) ?? "-", netns, pod?.name ?? "-",
                list(pod?.addresses.map(\.description) ?? []), pod?.mac?.description ?? "-", mtu,
                port.hairpin.map { $0 ? "on" : "off" } ?? "-", pod.flatMap(snapshot.containerID(of:)) ?? "-",
            ])
        }
        return head + "\n" + table.render(indent: "  ")
    }

    func storeSection() -> String {
        let head = "host-local store \(snapshot.ipamDirectory): \(count(snapshot.allocations.count, "reservation"))"
        guard !snapshot.allocations.isEmpty else { return head }
        var table = TextTable(headers: ["NETWORK", "IP", "CONTAINER", "IFNAME", "HELD BY"])
        for a in snapshot.allocations {
            let holder = snapshot.port(holding: a.ip).map { p in "\(p.name) (\(p.pod?.netns ?? "?"))" } ?? "- (no live pod)"
            table.append([a.network, a.ip.description, a.containerID, a.ifname ?? "-", holder])
        }
        return head + "\n" + table.render(indent: "  ")
    }

    func savedSection() -> String {
        let head = "flannel saved configs \(snapshot.flannelDirectory): \(snapshot.savedConfigs.count)"
        guard !snapshot.savedConfigs.isEmpty else { return head }
        var table = TextTable(headers: ["CONTAINER", "TYPE", "NETWORK", "IPS", "STATE"])
        for c in snapshot.savedConfigs {
            let ips = snapshot.allocations.filter { $0.containerID == c.containerID }.map { $0.ip.description }
            table.append([c.containerID, c.type ?? "-", c.network ?? "-", ips.isEmpty ? "-" : list(ips),
                          c.error.map { "unusable: \($0)" } ?? (ips.isEmpty ? "no IP" : "ok")])
        }
        return head + "\n" + table.render(indent: "  ")
    }

    func rulesSection() -> String {
        let fw = snapshot.firewall
        var lines = ["hostPort mappings: \(fw.hostPorts.count)"]
        if !fw.hostPorts.isEmpty {
            var table = TextTable(headers: ["CONTAINER", "NETWORK", "BACKEND", "PROTO", "HOST PORT", "DESTINATION", "CHAIN"],
                                  rightAligned: [4])
            for m in fw.hostPorts {
                table.append([m.containerID, m.network ?? "-", m.backend.rawValue, m.protocol,
                              (m.hostIP.map { $0 + ":" } ?? "") + "\(m.hostPort)", m.destination, m.chain])
            }
            lines.append(table.render(indent: "  "))
        }
        lines.append("masquerade rules: \(fw.masquerades.count)")
        if !fw.masquerades.isEmpty {
            var table = TextTable(headers: ["CONTAINER", "NETWORK", "BACKEND", "SOURCE", "CHAIN"])
            for m in fw.masquerades {
                table.append([m.containerID, m.network ?? "-", m.backend.rawValue, m.source, m.chain])
            }
            lines.append(table.render(indent: "  "))
        }
        return lines.joined(separator: "\n")
    }

    func problemSection() -> String {
        guard !problems.isEmpty else { return "problems: none" }
        var lines = ["problems: \(problems.count)"]
        for (n, p) in problems.enumerated() {
            lines.append("\(n + 1). [\(p.kind.rawValue)] \(p.summary)")
            lines += p.details.map { "     - " + $0 }
            if !p.steps.isEmpty {
                lines.append("   fix (in order, stop at the first failure):")
                for step in p.steps {
                    let text = step.command(in: context)
                    lines += text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, l in
                        (i == 0 ? "     $ " : "       ") + l
                    }
                }
            }
            if !p.advice.isEmpty {
                lines.append("   not fixed automatically:")
                lines += p.advice.map { "     " + $0 }
            }
        }
        return lines.joined(separator: "\n")
    }

    func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ",") }

    func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}
