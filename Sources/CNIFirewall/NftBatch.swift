/// One `nft -f` transaction on one table, built command by command. CNIFirewall owns the
/// command syntax: identifiers are checked, comments quoted (or refused) by `NftText`, rule
/// expressions rendered from `NftRule` values; callers give only values.
package struct NftBatch: Sendable {
    package let table: NftTable
    package private(set) var lines: [String] = []

    package init(table: NftTable) {
        self.table = table
    }

    /// A base chain's hook: `{ type <type> hook <hook> priority <priority> ; [policy <policy> ;] }`.
    package struct Hook: Sendable {
        package let type: String
        package let hook: String
        package let priority: String
        package let policy: String?

        package init(type: String, hook: String, priority: String, policy: String? = nil) {
            self.type = type
            self.hook = hook
            self.priority = priority
            self.policy = policy
        }

        var text: String {
            "{ type \(type) hook \(hook) priority \(priority) ;" + (policy.map { " policy \($0) ;" } ?? "") + " }"
        }
    }

    package var isEmpty: Bool { lines.isEmpty }

    /// The batch text, one command per line.
    package var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// `add table <t> [{ comment "<c>" ; }]` (idempotent).
    package mutating func addTable(comment: String? = nil) throws(FirewallTextError) {
        try NftText.checkIdentifier(table.name)
        var line = "add table \(table)"
        if let comment { line += " { comment \(try NftText.quotedComment(comment)) ; }" }
        lines.append(line)
    }

    /// `add chain <t> <name> [hook | { comment "<c>" ; }]` (idempotent).
    package mutating func addChain(_ name: String, hook: Hook? = nil, comment: String? = nil) throws(FirewallTextError) {
        try NftText.checkIdentifier(name)
        var line = "add chain \(table) \(name)"
        if let hook { line += " " + hook.text } else if let comment { line += " { comment \(try NftText.quotedComment(comment)) ; }" }
        lines.append(line)
    }

    package mutating func flushChain(_ name: String) throws(FirewallTextError) {
        try NftText.checkIdentifier(name)
        lines.append("flush chain \(table) \(name)")
    }

    package mutating func deleteChain(_ name: String) throws(FirewallTextError) {
        try NftText.checkIdentifier(name)
        lines.append("delete chain \(table) \(name)")
    }

    /// `add rule <t> <chain> <expression> [comment "<c>"]`, the expression rendered by `NftRule`.
    package mutating func addRule(_ chain: String, _ rule: NftRule, comment: String? = nil) throws(FirewallTextError) {
        try NftText.checkIdentifier(chain)
        var line = "add rule \(table) \(chain) \(try rule.text())"
        if let comment { line += " comment \(try NftText.quotedComment(comment))" }
        lines.append(line)
    }

    /// `delete rule <t> <chain> handle <n>`.
    package mutating func deleteRule(_ chain: String, handle: Int) throws(FirewallTextError) {
        try NftText.checkIdentifier(chain)
        lines.append("delete rule \(table) \(chain) handle \(handle)")
    }

    /// Another batch's commands appended (a transaction over several tables).
    package mutating func append(_ other: NftBatch) { lines += other.lines }
}
