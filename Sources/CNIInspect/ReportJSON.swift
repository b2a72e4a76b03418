import CNIValues

/// The `--json` report (pure). Keys are stable and printed sorted; absent values are `null`.
public enum ReportJSON {
    public static func value(_ s: NodeSnapshot, problems: [Problem], context: CleanupStep.Context) -> JSONValue {
        var top: [(String, JSONValue)] = [
            ("netns", s.netns.map(JSONValue.string) ?? .null),
            ("subnetEnv", subnetEnv(s)),
            ("bridge", bridge(s)),
            ("pods", .array(s.pods.map { pod($0.port, $0.pod, s) })),
            ("ipam", .object(JSONObject([
                ("directory", .string(s.ipamDirectory)),
                ("allocations", .array(s.allocations.map { allocation($0, s) })),
            ]))),
            ("flannel", .object(JSONObject([
                ("directory", .string(s.flannelDirectory)),
                ("savedConfigs", .array(s.savedConfigs.map { saved($0, s) })),
            ]))),
            ("hostPorts", .array(s.firewall.hostPorts.map(hostPort))),
            ("masquerade", .array(s.firewall.masquerades.map(masquerade))),
            ("problems", .array(problems.map { problem($0, context) })),
            ("notes", .array(s.notes.map(JSONValue.string))),
        ]
        top.sort { $0.0 < $1.0 }
        return .object(JSONObject(top))
    }

    public static func text(_ value: JSONValue) -> String {
        JSONSerializer.string(value, style: .pretty, sortedKeys: true) + "\n"
    }

    static func subnetEnv(_ s: NodeSnapshot) -> JSONValue {
        guard let env = s.subnetEnv else { return .null }
        var values = JSONObject()
        for (k, v) in env.values { values[k] = .string(v) }
        let expected = env.expectedBridgeAddresses
        return obj([
            ("path", .string(env.path)),
            ("values", .object(values)),
            ("networks", strings((env.networks + env.ipv6Networks).map(\.description))),
            ("subnet", env.subnet.map { .string($0.description) } ?? .null),
            ("ipv6Subnet", env.ipv6Subnet.map { .string($0.description) } ?? .null),
            ("mtu", env.mtu.map(JSONValue.int) ?? .null),
            ("ipMasq", env.ipMasq.map(JSONValue.bool) ?? .null),
            ("errors", strings(env.errors)),
            ("bridgeAddressAgrees", s.bridge.map { b in .bool(expected.allSatisfy { b.addresses.contains($0) }) } ?? .null),
            ("bridgeMTUAgrees", s.bridge.flatMap { b in env.mtu.map { .bool($0 == b.mtu) } } ?? .null),
        ])
    }

    static func bridge(_ s: NodeSnapshot) -> JSONValue {
        guard let b = s.bridge else { return .null }
        return obj([
            ("name", .string(b.name)), ("ifindex", .int(Int(b.index))), ("mtu", .int(b.mtu)),
            ("mac", b.mac.map { .string($0.description) } ?? .null), ("up", .bool(b.isUp)),
            ("addresses", strings(b.addresses.map(\.description))),
            ("ports", .array(b.ports.map { p in
                obj([
                    ("name", .string(p.name)), ("ifindex", .int(Int(p.index))), ("kind", p.kind.map(JSONValue.string) ?? .null),
                    ("mtu", .int(p.mtu)), ("mac", p.mac.map { .string($0.description) } ?? .null),
                    ("hairpin", p.hairpin.map(JSONValue.bool) ?? .null),
                    ("peerIfindex", p.peerIndex.map { .int(Int($0)) } ?? .null),
                    ("peerNetnsID", p.peerNetnsID.map { .int(Int($0)) } ?? .null),
                    ("match", .string(p.match.rawValue)),
                    ("podNetns", p.pod.map { .string($0.netns) } ?? .null),
                    ("candidates", strings(p.candidates.map(\.netns))),
                ])
            })),
        ])
    }

    static func pod(_ port: BridgePort, _ pod: ObservedPod, _ s: NodeSnapshot) -> JSONValue {
        obj([
            ("containerID", s.containerID(of: pod).map(JSONValue.string) ?? .null),
            ("netns", .string(pod.netns)), ("ifname", .string(pod.name)), ("ifindex", .int(Int(pod.index))),
            ("ips", strings(pod.addresses.map(\.description))), ("mac", pod.mac.map { .string($0.description) } ?? .null),
            ("mtu", .int(pod.mtu)), ("hostVeth", .string(port.name)), ("hostIfindex", .int(Int(port.index))),
            ("hostMAC", port.mac.map { .string($0.description) } ?? .null), ("hostMTU", .int(port.mtu)),
            ("hairpin", port.hairpin.map(JSONValue.bool) ?? .null), ("match", .string(port.match.rawValue)),
        ])
    }

    static func allocation(_ a: IPAllocation, _ s: NodeSnapshot) -> JSONValue {
        let holder = s.port(holding: a.ip)
        return obj([
            ("network", .string(a.network)), ("ip", .string(a.ip.description)), ("containerID", .string(a.containerID)),
            ("ifname", a.ifname.map(JSONValue.string) ?? .null), ("file", .string(a.path)),
            ("heldBy", holder.map { .string($0.name) } ?? .null),
            ("podNetns", holder?.pod.map { .string($0.netns) } ?? .null),
        ])
    }

    static func saved(_ c: SavedFlannelConfig, _ s: NodeSnapshot) -> JSONValue {
        obj([
            ("containerID", .string(c.containerID)), ("file", .string(c.path)), ("type", c.type.map(JSONValue.string) ?? .null),
            ("network", c.network.map(JSONValue.string) ?? .null), ("error", c.error.map(JSONValue.string) ?? .null),
            ("ips", strings(s.allocations.filter { $0.containerID == c.containerID }.map { $0.ip.description })),
        ])
    }

    static func hostPort(_ m: HostPortMapping) -> JSONValue {
        obj([
            ("containerID", .string(m.containerID)), ("network", m.network.map(JSONValue.string) ?? .null),
            ("backend", .string(m.backend.rawValue)), ("protocol", .string(m.protocol)),
            ("hostIP", m.hostIP.map(JSONValue.string) ?? .null), ("hostPort", .int(m.hostPort)),
            ("destination", .string(m.destination)), ("chain", .string(m.chain)),
        ])
    }

    static func masquerade(_ m: MasqueradeEntry) -> JSONValue {
        obj([
            ("containerID", .string(m.containerID)), ("network", m.network.map(JSONValue.string) ?? .null),
            ("backend", .string(m.backend.rawValue)), ("source", .string(m.source)), ("chain", .string(m.chain)),
        ])
    }

    static func problem(_ p: Problem, _ context: CleanupStep.Context) -> JSONValue {
        obj([
            ("kind", .string(p.kind.rawValue)), ("subject", .string(p.subject)), ("summary", .string(p.summary)),
            ("details", strings(p.details)), ("commands", strings(p.steps.map { $0.command(in: context) })),
            ("advice", strings(p.advice)), ("fixable", .bool(p.isFixable)), ("blocking", .bool(p.kind.isBlocking)),
        ])
    }

    static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }

    static func strings(_ items: [String]) -> JSONValue { .array(items.map(JSONValue.string)) }
}
