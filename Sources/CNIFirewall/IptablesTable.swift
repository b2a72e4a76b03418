import CNIValues

/// Scoped reads of one iptables table of one family: `iptables -w -t <table> -S <chain>` per chain
/// we own or jump from, never the whole table (on a node with kube-proxy's rules `iptables-save`
/// costs about a second, a chain listing a few milliseconds whatever the table's size).
///
/// Whether a chain is missing is decided from the exit status and a probe, not from stderr text:
/// a listing that exits 1 (iptables' "other problem", which "no chain by that name" is) is followed
/// by a listing of a built-in chain of the table (once per table); when that works the chain is
/// missing, when it fails too the table (or the tool) is unusable and `Unusable` is thrown. Any
/// other status (2 parameter problem, 4 resource problem such as the xtables lock) is an error:
/// reading a shared chain as missing would make the batch re-declare, and so flush, it.
package final class IptablesTable {
    package let ipv6: Bool
    package let table: String
    private var usable: Bool?

    /// The tool or the table cannot be used at all (not installed, no kernel support).
    package struct Unusable: Error, CustomStringConvertible {
        package let failure: FirewallBatch.Failure
        package var description: String { "\(failure)" }
    }

    package init(ipv6: Bool, table: String = "nat") {
        self.ipv6 = ipv6
        self.table = table
    }

    /// The family's tool name, for messages.
    package var toolName: String { ipv6 ? "ip6tables" : "iptables" }

    /// The rules of `chain`, in order; nil when the chain does not exist.
    package func rules(of chain: String) throws -> [IptablesRule]? {
        let r = try FirewallBatch.execute(.iptables(ipv6: ipv6), arguments: ["-w", "10", "-t", table, "-S", chain])
        if r.exitStatus == 0 {
            usable = true  // any listing that works shows the table usable
            return IptablesTable.parseListing(r.stdoutText)
        }
        let failure = FirewallBatch.Failure(tool: toolName, status: r.exitStatus, stderr: r.stderrText)
        guard try probe() else { throw Unusable(failure: failure) }
        guard r.exitStatus == 1, !IptablesTable.builtinChains(of: table).contains(chain) else { throw failure }
        return nil
    }

    /// The chains of `chains` that exist, with their rules, as one ruleset (in the order given).
    package func read(_ chains: [String]) throws -> IptablesRuleset {
        var declared: [String] = []
        var rules: [IptablesRule] = []
        for chain in chains where !declared.contains(chain) {
            guard let listed = try self.rules(of: chain) else { continue }
            declared.append(chain)
            rules += listed
        }
        return IptablesRuleset(chains: declared, rules: rules)
    }

    /// Whether the table can be listed at all (one built-in chain listing, remembered).
    package func probe() throws -> Bool {
        if let usable { return usable }
        guard let builtin = IptablesTable.builtinChains(of: table).first else { return false }
        let r = try FirewallBatch.execute(.iptables(ipv6: ipv6), arguments: ["-w", "10", "-t", table, "-S", builtin])
        usable = r.exitStatus == 0
        return r.exitStatus == 0
    }

    /// The `-A` lines of `iptables -S` output (the `-N`/`-P` line is skipped).
    package static func parseListing(_ text: String) -> [IptablesRule] {
        TextLines.split(text).compactMap { IptablesRule(saveLine: $0) }
    }

    package static func builtinChains(of table: String) -> [String] {
        switch table {
        case "nat": return ["POSTROUTING", "PREROUTING", "OUTPUT", "INPUT"]
        case "filter": return ["INPUT", "FORWARD", "OUTPUT"]
        case "mangle": return ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]
        case "raw": return ["PREROUTING", "OUTPUT"]
        default: return []
        }
    }
}
