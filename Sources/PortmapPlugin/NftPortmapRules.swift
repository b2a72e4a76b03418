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
    public static let tableName = "cni_hostport"
    public static let hostPortsChain = "hostports"
    public static let hostIPHostPortsChain = "hostip_hostports"
    public static let hostPortsAllChain = "hostports_all"
    public static let masqueradingChain = "masquerading"
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

    var table: String { "\(Self.familyName(family)) \(Self.tableName)" }

    /// The rule bodies (without `add rule <table> <chain>` and comment) of this container, per chain.
    public var containerRules: [(chain: String, rule: String)] {
        let ipx = Self.familyName(family)
        let podIP = pod.address.description
        var out: [(chain: String, rule: String)] = []
        for m in config.mappings where m.applies(to: family) {
            let daddr = m.destination.map { "\(ipx) daddr \($0) " } ?? ""
            let target = family == .v4 ? "\(podIP):\(m.containerPort)" : "[\(podIP)]:\(m.containerPort)"
            out.append((Self.hostPortsChain, "\(daddr)\(m.transport.rawValue) dport \(m.hostPort) dnat to \(target)"))
        }
        if config.snat && !out.isEmpty {
            if config.masqAll {
                // Any source, but only connections this table (or another DNAT) redirected to the pod.
                out.append((Self.masqueradingChain, "\(ipx) daddr \(podIP) ct status dnat masquerade"))
            } else {
                out.append((Self.masqueradingChain, "\(ipx) saddr \(podIP) \(ipx) daddr \(podIP) masquerade"))
                if family == .v4 {
                    out.append((Self.masqueradingChain, "ip saddr 127.0.0.1 ip daddr \(podIP) masquerade"))
                }
            }
        }
        return out
    }

    /// The ADD batch: table and base chains (idempotent `add`, hook chains rebuilt), this
    /// container's earlier rules (found in `existing`) deleted, its rules added.
    public func setup(existing: NftRuleListing) throws(FirewallTextError) -> [String] {
        let t = table
        let conditions = try NftText.expression(config.conditions(for: family))
        let guardPrefix = conditions.isEmpty ? "" : conditions + " "
        var lines = [
            "add table \(t) { comment \"CNI portmap plugin\" ; }",
            "add chain \(t) \(Self.hostPortsChain)",
            "add chain \(t) \(Self.hostIPHostPortsChain)",
            "add chain \(t) \(Self.hostPortsAllChain)",
            "flush chain \(t) \(Self.hostPortsAllChain)",
            "add rule \(t) \(Self.hostPortsAllChain) jump \(Self.hostIPHostPortsChain)",
            "add rule \(t) \(Self.hostPortsAllChain) jump \(Self.hostPortsChain)",
        ]
        for (chain, hook) in [("prerouting", "prerouting"), ("output", "output")] {
            lines.append("add chain \(t) \(chain) { type nat hook \(hook) priority -100 ; }")
            lines.append("flush chain \(t) \(chain)")
            lines.append("add rule \(t) \(chain) \(guardPrefix)fib daddr type local jump \(Self.hostPortsAllChain)")
        }
        if config.snat {
            lines.append("add chain \(t) \(Self.masqueradingChain) { type nat hook postrouting priority 100 ; }")
        }
        lines += try Self.deletions(family: family, containerID: containerID, existing: existing)
        let comment = try NftText.quotedComment(containerID)
        for (chain, rule) in containerRules {
            lines.append("add rule \(t) \(chain) \(rule) comment \(comment)")
        }
        return lines
    }

    /// `delete rule` lines for every rule of `containerID` in `existing` (one family's table).
    public static func deletions(family: IPAddress.Family, containerID: String, existing: NftRuleListing) throws(FirewallTextError) -> [String] {
        let t = "\(familyName(family)) \(tableName)"
        var lines: [String] = []
        for chain in containerChains {
            for rule in existing.rules(in: chain, comment: containerID) {
                try NftText.checkIdentifier(chain)
                lines.append("delete rule \(t) \(chain) handle \(rule.handle)")
            }
        }
        return lines
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
