import CNIValues

/// One table of `iptables-save` output: the declared chains and every rule, in order.
package struct IptablesRuleset: Sendable {
    package private(set) var chains: [String] = []
    package private(set) var rules: [IptablesRule] = []

    /// Parses the `*<table>` section of `iptables-save` output (the first one when the text has
    /// several; `iptables-save -t nat` prints one). Comment and `COMMIT` lines are skipped.
    package init(saveOutput text: String, table: String = "nat") {
        var inTable = false
        var seenTable = false
        for line in TextLines.split(text) {
            if line.hasPrefix("*") {
                if seenTable { break }
                inTable = line.dropFirst() == table[...]
                seenTable = inTable
                continue
            }
            guard inTable else { continue }
            if line == "COMMIT" { break }
            if line.hasPrefix(":") {
                if let name = line.dropFirst().split(separator: " ").first { chains.append(String(name)) }
            } else if let rule = IptablesRule(saveLine: line) {
                rules.append(rule)
            }
        }
    }

    package init(chains: [String] = [], rules: [IptablesRule] = []) {
        self.chains = chains
        self.rules = rules
    }

    package func hasChain(_ name: String) -> Bool { chains.contains(name) }

    package func rules(in chain: String) -> [IptablesRule] { rules.filter { $0.chain == chain } }

    /// Rules in any chain whose target is `chain`.
    package func rules(jumpingTo chain: String) -> [IptablesRule] { rules.filter { $0.target == chain } }

    package func contains(_ rule: IptablesRule) -> Bool { rules.contains(rule) }

    /// The rules carrying `comment` (an `-m comment --comment` match).
    package func rules(commented comment: String) -> [IptablesRule] { rules.filter { $0.comment == comment } }
}
