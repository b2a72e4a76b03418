/// One `iptables-restore --noflush` batch for one table, built from `IptablesRule`s: chain
/// declarations first (a declared chain that exists is flushed, one that does not is created),
/// then the changes in the order given, then `COMMIT`. Every word goes through the checks and
/// quoting of `IptablesRule.restoreLine`, so a value can never start another rule.
package struct IptablesRestoreBatch: Sendable {
    package let table: String
    private var declarations: [String] = []
    private var lines: [String] = []

    package init(table: String = "nat") {
        self.table = table
    }

    /// Nothing to apply: no declarations and no changes.
    package var isEmpty: Bool { declarations.isEmpty && lines.isEmpty }

    /// `:CHAIN - [0:0]`: creates the chain, or flushes it when it exists.
    package mutating func declare(_ chain: String) throws(FirewallTextError) {
        try IptablesRule.checkChainName(chain)
        declarations.append(":\(chain) - [0:0]")
    }

    package mutating func append(_ rule: IptablesRule) throws(FirewallTextError) { lines.append(try rule.restoreLine(.append)) }

    package mutating func insert(_ rule: IptablesRule, at position: Int) throws(FirewallTextError) {
        lines.append(try rule.restoreLine(.insert(position: position)))
    }

    package mutating func delete(_ rule: IptablesRule) throws(FirewallTextError) { lines.append(try rule.restoreLine(.delete)) }

    /// `-F CHAIN`.
    package mutating func flush(_ chain: String) throws(FirewallTextError) {
        try IptablesRule.checkChainName(chain)
        lines.append("-F \(chain)")
    }

    /// `-X CHAIN` (the chain must be empty and unreferenced by then).
    package mutating func deleteChain(_ chain: String) throws(FirewallTextError) {
        try IptablesRule.checkChainName(chain)
        lines.append("-X \(chain)")
    }

    /// The restore text: `*<table>`, declarations, changes, `COMMIT`.
    package var text: String {
        (["*\(table)"] + declarations + lines + ["COMMIT"]).joined(separator: "\n") + "\n"
    }
}
