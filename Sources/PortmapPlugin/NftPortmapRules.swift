import CNIFirewall
import CNIValues

/// The nftables rules of one container for one address family (`containernetworking/plugins:plugins/meta/portmap/portmap_nftables.go`), as `nft -f` text. Pure:
/// the current table comes in as an `NftRuleListing`.
///
///     table ip cni_hostport {                       comment "CNI portmap plugin"
///       chain hostports { tcp dport 8080 dnat to 10.244.1.3:80 comment "<containerID>" }
///       chain hostip_hostports { }                  (legacy, kept empty)
///       chain hostports_all { jump hostip_hostports; jump hostports }
///       chain prerouting { type nat hook prerouting priority -100; <conditions> fib daddr type local jump hostports_all }
///       chain output { type nat hook output priority -100; <conditions> fib daddr type local jump hostports_all }
///       chain masquerading { type nat hook postrouting priority 100;
///                            ip saddr 10.244.1.3 ip daddr 10.244.1.3 masquerade comment "<containerID>"
///                            ip saddr 127.0.0.1 ip daddr 10.244.1.3 masquerade comment "<containerID>" }
///     }
public struct NftPortmapRules: Sendable {
    public static let tableName = PortmapNames.nftTable
    public static let hostPortsChain = "hostports"
    public static let hostIPHostPortsChain = "hostip_hostports"
    public static let hostPortsAllChain = "hostports_all"
    public static let masqueradingChain = PortmapNames.nftMasqueradingChain
    /// The chains holding per-container rules (comment = container ID).
    public static let containerChains = [hostPortsChain, hostIPHostPortsChain, masqueradingChain]

    public let config: PortmapConfig
    public let containerID: String
    public let pod: IPNetwork

    public init(config: PortmapConfig, containerID: String, pod: IPNetwork) {
        self.config = config
        self.containerID = containerID
        self.pod = pod
    }

    public var family: IPAddress.Family { pod.family }

    /// `ip` / `ip6`: the table family and the payload keyword.
    public static func familyName(_ family: IPAddress.Family) -> String { family == .v4 ? "ip" : "ip6" }

    var table: String { nftTable.description }

    var nftTable: NftTable { Self.nftTable(family) }

    /// The family's `cni_hostport` table.
    public static func nftTable(_ family: IPAddress.Family) -> NftTable { NftTable(family: familyName(family), name: tableName) }

    /// The rules (without comment) of this container, per chain.
    public var containerRules: [(chain: String, rule: NftRule)] {
        let podIP = pod.address
        var out: [(chain: String, rule: NftRule)] = []
        for m in config.mappings where m.applies(to: family) {
            let daddr = m.destination.map { [NftRule.Match.address(.destination, .implicit, .host($0))] } ?? []
            out.append((Self.hostPortsChain, NftRule(daddr + [.destinationPort(transport: m.transport.rawValue, port: m.hostPort)],
                                                     [.dnat(podIP, port: m.containerPort)])))
        }
        if config.snat && !out.isEmpty {
            if config.masqAll {
                // Any source, but only connections this table (or another DNAT) redirected to the pod.
                out.append((Self.masqueradingChain, NftRule([.address(.destination, .implicit, .host(podIP)), .destinationNATed],
                                                            [.masquerade])))
            } else {
                out.append((Self.masqueradingChain, NftRule([.address(.source, .implicit, .host(podIP)),
                                                             .address(.destination, .implicit, .host(podIP))], [.masquerade])))
                if family == .v4, let loopback = IPAddress("127.0.0.1") {
                    out.append((Self.masqueradingChain, NftRule([.address(.source, .implicit, .host(loopback)),
                                                                 .address(.destination, .implicit, .host(podIP))], [.masquerade])))
                }
            }
        }
        return out
    }

    /// The ADD batch: table and base chains (idempotent `add`, hook chains rebuilt), this
    /// container's earlier rules (found in `existing`) deleted, its rules added.
    public func setup(existing: NftRuleListing) throws(FirewallTextError) -> [String] {
        var batch = NftBatch(table: nftTable)
        let conditions = config.conditions(for: family)
        let guards: [NftRule.Match] = conditions.isEmpty ? [] : [.configured(conditions)]
        try batch.addTable(comment: "CNI portmap plugin")
        try batch.addChain(Self.hostPortsChain)
        try batch.addChain(Self.hostIPHostPortsChain)
        try batch.addChain(Self.hostPortsAllChain)
        try batch.flushChain(Self.hostPortsAllChain)
        try batch.addRule(Self.hostPortsAllChain, NftRule([.jump(Self.hostIPHostPortsChain)]))
        try batch.addRule(Self.hostPortsAllChain, NftRule([.jump(Self.hostPortsChain)]))
        for (chain, hook) in [("prerouting", "prerouting"), ("output", "output")] {
            try batch.addChain(chain, hook: .init(type: "nat", hook: hook, priority: "-100"))
            try batch.flushChain(chain)
            try batch.addRule(chain, NftRule(guards + [.localDestination], [.jump(Self.hostPortsAllChain)]))
        }
        if config.snat {
            try batch.addChain(Self.masqueradingChain, hook: .init(type: "nat", hook: "postrouting", priority: "100"))
        }
        try Self.addDeletions(containerID: containerID, existing: existing, to: &batch)
        for (chain, rule) in containerRules {
            try batch.addRule(chain, rule, comment: containerID)
        }
        return batch.lines
    }

    /// `delete rule` lines for every rule of `containerID` in `existing` (one family's table).
    public static func deletions(family: IPAddress.Family, containerID: String, existing: NftRuleListing) throws(FirewallTextError) -> [String] {
        var batch = NftBatch(table: nftTable(family))
        try addDeletions(containerID: containerID, existing: existing, to: &batch)
        return batch.lines
    }

    static func addDeletions(containerID: String, existing: NftRuleListing, to batch: inout NftBatch) throws(FirewallTextError) {
        for chain in containerChains {
            for rule in existing.rules(in: chain, comment: containerID) {
                try batch.deleteRule(chain, handle: rule.handle)
            }
        }
    }

    /// What CHECK finds missing in `existing`, or nil.
    public func missing(existing: NftRuleListing) -> String? {
        for chain in ["prerouting", "output", Self.hostPortsAllChain] where !existing.hasChain(chain) {
            return "chain \(chain) not found in nftables table \(table)"
        }
        var wanted: [String: Int] = [:]
        for (chain, _) in containerRules { wanted[chain, default: 0] += 1 }
        for chain in Self.containerChains {
            let count = wanted[chain] ?? 0
            guard count > 0 else { continue }
            if existing.rules(in: chain, comment: containerID).count < count {
                return "missing hostport rules in \"\(chain)\" chain of table \(table)"
            }
        }
        return nil
    }
}
