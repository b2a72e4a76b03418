import CNIValues

/// One table of `iptables-save` output: the declared chains and every rule, in order.
public struct IptablesRuleset: Sendable {
    public private(set) var chains: [String] = []
    public private(set) var rules: [IptablesRule] = []

    /// Parses the `*<table>` section of `iptables-save` output (the first one when the text has
    /// several; `iptables-save -t nat` prints one). Comment and `COMMIT` lines are skipped.
    public init(saveOutput text: String, table: String = "nat") {
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

    public init(chains: [String] = [], rules: [IptablesRule] = []) {
        self.chains = chains
        self.rules = rules
    }

    public func hasChain(_ name: String) -> Bool { chains.contains(name) }

    public func rules(in chain: String) -> [IptablesRule] { rules.filter { $0.chain == chain } }

    /// Rules in any chain whose target is `chain`.
    public func rules(jumpingTo chain: String) -> [IptablesRule] { rules.filter { $0.target == chain } }

    public func contains(_ rule: IptablesRule) -> Bool { rules.contains(rule) }

    /// The rules carrying `comment` (an `-m comment --comment` match).
    public func rules(commented comment: String) -> [IptablesRule] { rules.filter { $0.comment == comment } }
}
