/// `macspoofchk`: nftables rules in table `bridge nat` that drop frames from the host veth whose
/// source MAC is not the container's, laid out as the reference does (base chain `PREROUTING`,
/// per-attachment chains `cni-br-iface-<id>-<ifname>` and `…-mac`, comment `macspoofchk-<id>-<ifname>`).
/// Pure: the current table comes in as `nft -a list table bridge nat` text.
public struct SpoofCheckRules: Sendable {
    public let containerID: String
    public let ifname: String

    public init(containerID: String, ifname: String) {
        self.containerID = containerID
        self.ifname = ifname
    }

    static let table = "bridge nat"
    var reference: String { "\(containerID)-\(ifname)" }
    public var interfaceChain: String { "cni-br-iface-\(reference)" }
    public var macChain: String { interfaceChain + "-mac" }
    public var comment: String { "macspoofchk-\(reference)" }

    /// One batch: table, base chain and our chains ensured, our chains flushed, stale jumps to them
    /// (from an earlier ADD) deleted, then the jump for `hostInterface` and the MAC check.
    public func setup(hostInterface: String, mac: String, existing: String) -> String {
        let t = SpoofCheckRules.table
        var lines = [
            "add table \(t)",
            "add chain \(t) PREROUTING { type filter hook prerouting priority -300 ; policy accept ; }",
            "add chain \(t) \(interfaceChain)",
            "add chain \(t) \(macChain)",
            "flush chain \(t) \(interfaceChain)",
            "flush chain \(t) \(macChain)",
        ]
        for h in jumpHandles(in: existing) { lines.append("delete rule \(t) PREROUTING handle \(h)") }
        let c = "comment \(quoted(comment))"
        lines += [
            "add rule \(t) PREROUTING iifname \(quoted(hostInterface)) jump \(interfaceChain) \(c)",
            "add rule \(t) \(interfaceChain) jump \(macChain) \(c)",
            "add rule \(t) \(macChain) ether saddr \(mac) return \(c)",
            "add rule \(t) \(macChain) drop \(c)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Deletes our jumps and chains that `existing` shows; nil when nothing of ours is there.
    public func teardown(existing: String) -> String? {
        let t = SpoofCheckRules.table
        var lines = jumpHandles(in: existing).map { "delete rule \(t) PREROUTING handle \($0)" }
        let chains = [interfaceChain, macChain].filter { hasChain($0, in: existing) }
        lines += chains.map { "flush chain \(t) \($0)" } + chains.map { "delete chain \(t) \($0)" }
        return lines.isEmpty ? nil : lines.joined(separator: "\n") + "\n"
    }

    /// Handles of PREROUTING rules carrying our comment.
    func jumpHandles(in listing: String) -> [Int] {
        var inBase = false
        var out: [Int] = []
        for raw in listing.split(separator: "\n") {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("chain ") { inBase = line.hasPrefix("chain PREROUTING ") }
            guard inBase, line.contains("comment \"\(comment)\""), let r = line.ranges(of: " # handle ").last else { continue }
            if let h = Int(line[r.upperBound...].filter { $0 != " " }) { out.append(h) }
        }
        return out
    }

    func hasChain(_ name: String, in listing: String) -> Bool {
        listing.split(separator: "\n").contains { raw in
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            return line.hasPrefix("chain \(name) {")
        }
    }

    /// Whether the chain names can be written in nft syntax (an unquoted identifier: letters,
    /// digits, `_.-`); container IDs always can, odd interface names may not.
    public var hasValidChainNames: Bool {
        reference.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// nft quoted string (nft has no escapes: double quotes are dropped).
    func quoted(_ s: String) -> String { "\"" + s.filter { $0 != "\"" } + "\"" }
}
