import CNIFirewall
import CNIValues

/// The ipMasq rules of one attachment as text, for `iptables-restore --noflush` and `nft -f`.
/// Pure: the current state comes in as the text `iptables-save` / `nft -a list` printed.
///
/// iptables (table nat), byte-compatible with the reference so either implementation removes the
/// other's rules:
///
///     -A POSTROUTING -s 10.244.1.3/32 -m comment --comment "name: \"cbr0\" id: \"c2\"" -j CNI-a0fff058eeb324ed03b3bf6f
///     -A CNI-a0fff… -d 10.244.1.0/24 -m comment --comment "…" -j ACCEPT
///     -A CNI-a0fff… ! -d 224.0.0.0/4 -m comment --comment "…" -j MASQUERADE
public struct MasqueradeRules: Sendable {
    public let network: String
    public let containerID: String
    public let ifname: String

    public init(network: String, containerID: String, ifname: String) {
        self.network = network
        self.containerID = containerID
        self.ifname = ifname
    }

    /// `CNI-` + 24 hex of sha512(network + containerID).
    public var chain: String { ChainName.masquerade(network: network, containerID: containerID) }

    /// `name: "<net>" id: "<cid>"`.
    public var comment: String { "name: \"\(network)\" id: \"\(containerID)\"" }

    /// The comment as iptables-save prints it (and iptables-restore reads it).
    var quotedComment: String {
        "\"" + comment.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    // MARK: iptables

    /// The restore batch that makes the chain hold exactly the rules for `addresses` (one family)
    /// and POSTROUTING jump to it once per address: the chain is declared and flushed, jumps
    /// already present in `existing` (iptables-save -t nat) are kept, stale jumps to the chain
    /// deleted. Within the chain all ACCEPTs come before the MASQUERADE, so a second subnet is
    /// not masqueraded (the reference appends them after it).
    public func iptablesSetup(addresses: [IPNetwork], existing: String) -> String {
        let family = addresses.first?.family ?? .v4
        let multicast = family == .v4 ? "224.0.0.0/4" : "ff00::/8"
        var lines = ["*nat", ":\(chain) - [0:0]", "-F \(chain)"]
        var accepted: [String] = []
        for a in addresses {
            let net = a.network.description
            if !accepted.contains(net) {
                accepted.append(net)
                lines.append("-A \(chain) -d \(net) -m comment --comment \(quotedComment) -j ACCEPT")
            }
        }
        lines.append("-A \(chain) ! -d \(multicast) -m comment --comment \(quotedComment) -j MASQUERADE")
        var wanted: [String] = []
        for a in addresses {
            let host = "\(a.address)/\(a.address.bitWidth)"
            let rule = "-A POSTROUTING -s \(host) -m comment --comment \(quotedComment) -j \(chain)"
            if !wanted.contains(rule) { wanted.append(rule) }
        }
        let present = jumps(to: chain, in: existing)
        for rule in present where rule.hasPrefix("-A POSTROUTING ") && !wanted.contains(rule) {
            lines.append("-D" + rule.dropFirst(2))
        }
        for rule in wanted where !present.contains(rule) {
            lines.append(rule)
        }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The restore batch that removes every jump to the chain and the chain itself, or nil when
    /// `existing` shows neither (nothing to do, no exec).
    public func iptablesTeardown(existing: String) -> String? {
        let declared = existing.split(separator: "\n").contains { $0.hasPrefix(":\(chain) ") }
        let present = jumps(to: chain, in: existing)
        guard declared || !present.isEmpty else { return nil }
        var lines = ["*nat"]
        for rule in present { lines.append("-D" + rule.dropFirst(2)) }
        if declared {
            lines.append("-F \(chain)")
            lines.append("-X \(chain)")
        }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `-A` rules of other chains that end in `-j <chain>`, as printed.
    func jumps(to chain: String, in save: String) -> [String] {
        save.split(separator: "\n").compactMap { raw in
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard line.hasPrefix("-A "), !line.hasPrefix("-A \(chain) "), line.hasSuffix(" -j \(chain)") else { return nil }
            return String(line)
        }
    }

    // MARK: nftables (table inet cni_plugins_masquerade, as upstream v1.6+)

    static let nftTable = "inet cni_plugins_masquerade"

    /// `<16 hex sha512(net)>-<16 hex sha512(ifname:containerID)>`: the prefix of our rule comments.
    public var nftInstanceHash: String {
        let net = String(SHA512.hexDigest(Array(network.utf8)).prefix(16))
        let inst = String(SHA512.hexDigest(Array("\(ifname):\(containerID)".utf8)).prefix(16))
        return net + "-" + inst
    }

    /// The rule comment, at most 128 bytes, without double quotes (nft strings have no escapes).
    public var nftComment: String {
        let strip: (String) -> String = { String($0.filter { $0 != "\"" }) }
        let full = "\(nftInstanceHash), net: \(strip(network)), if: \(strip(ifname)), id: \(strip(containerID))"
        var out = ""
        for c in full {
            if out.utf8.count + String(c).utf8.count > 128 { break }
            out.append(c)
        }
        return out
    }

    /// One `nft -f` batch: table and chains ensured, postrouting rewritten, our stale rules (found in
    /// `existing`, `nft -a list chain inet cni_plugins_masquerade masq_checks`) deleted, one rule per address.
    public func nftSetup(addresses: [IPNetwork], existing: String) -> String {
        let t = MasqueradeRules.nftTable
        var lines = [
            "add table \(t) { comment \"Masquerading for plugins from github.com/containernetworking/plugins\" ; }",
            "add chain \(t) masq_checks { comment \"Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet\" ; }",
            "add chain \(t) postrouting { type nat hook postrouting priority srcnat ; }",
            "flush chain \(t) postrouting",
            "add rule \(t) postrouting ip daddr == 224.0.0.0/4  return",
            "add rule \(t) postrouting ip6 daddr == ff00::/8  return",
            "add rule \(t) postrouting goto masq_checks",
        ]
        for h in MasqueradeRules.nftHandles(in: existing, commentPrefix: nftInstanceHash) {
            lines.append("delete rule \(t) masq_checks handle \(h)")
        }
        for a in addresses {
            let ip = a.family == .v4 ? "ip" : "ip6"
            lines.append("add rule \(t) masq_checks \(ip) saddr == \(a.address) \(ip) daddr != \(a.network) masquerade comment \"\(nftComment)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Deletes our rules listed in `existing`; nil when there are none.
    public func nftTeardown(existing: String) -> String? {
        let handles = MasqueradeRules.nftHandles(in: existing, commentPrefix: nftInstanceHash)
        guard !handles.isEmpty else { return nil }
        return handles.map { "delete rule \(MasqueradeRules.nftTable) masq_checks handle \($0)\n" }.joined()
    }

    /// Handles (`# handle N`) of listed rules whose comment starts with `commentPrefix`.
    static func nftHandles(in listing: String, commentPrefix: String) -> [Int] {
        listing.split(separator: "\n").compactMap { line in
            guard line.contains("comment \"\(commentPrefix)"), let r = line.ranges(of: " # handle ").last else { return nil }
            return Int(line[r.upperBound...].filter { $0 != " " && $0 != "\t" })
        }
    }
}
