import CNIValues

/// The rules of nftables tables as `nft -j list table <family> <name>` (or `nft -j list ruleset`)
/// prints them: table, chain, handle, comment and expression (`NftRule`) of each. Handle and
/// comment are all a DEL needs to remove exactly its own rules; the expression is for readers
/// (cni-inspect). The only reader of nft output.
package struct NftRuleListing: Sendable {
    package struct Rule: Hashable, Sendable {
        package let family: String
        package let table: String
        package let chain: String
        package let handle: Int
        package let comment: String?
        package let expression: NftRule

        package init(family: String, table: String, chain: String, handle: Int, comment: String?,
                    expression: NftRule = NftRule([], [])) {
            self.family = family
            self.table = table
            self.chain = chain
            self.handle = handle
            self.comment = comment
            self.expression = expression
        }

        /// The rule as `nft list` shows it, without the handle: `tcp dport 8080 dnat to 10.244.1.3:80 comment "c2"`.
        package var text: String {
            let body = expression.description
            guard let comment else { return body }
            return (body.isEmpty ? "" : body + " ") + "comment \"\(comment)\""
        }
    }

    /// A chain with the table it belongs to.
    package struct Chain: Hashable, Sendable {
        package let family: String
        package let table: String
        package let name: String

        package init(family: String, table: String, name: String) {
            self.family = family
            self.table = table
            self.name = name
        }
    }

    package private(set) var chains: [String] = []
    /// Every listed chain with its table (a ruleset listing holds several tables).
    package private(set) var tableChains: [Chain] = []
    package private(set) var rules: [Rule] = []

    package init(chains: [String] = [], rules: [Rule] = []) {
        self.chains = chains
        self.rules = rules
    }

    package struct ParseError: Error, CustomStringConvertible, Sendable {
        package let description: String
    }

    /// Parses `nft -j` output (`{"nftables": [{"metainfo": …}, {"table": …}, {"chain": …}, {"rule": …}]}`).
    package init(json text: String) throws(ParseError) {
        for item in try Self.items(json: text) {
            if let chain = item["chain"]?.objectValue, let name = chain["name"]?.stringValue {
                chains.append(name)
                tableChains.append(Chain(family: chain["family"]?.stringValue ?? "", table: chain["table"]?.stringValue ?? "", name: name))
            } else if let rule = item["rule"]?.objectValue {
                guard let chain = rule["chain"]?.stringValue, let handle = rule["handle"]?.intValue else {
                    throw ParseError(description: "nft JSON rule without chain or handle")
                }
                rules.append(Rule(family: rule["family"]?.stringValue ?? "", table: rule["table"]?.stringValue ?? "",
                                  chain: chain, handle: handle, comment: rule["comment"]?.stringValue,
                                  expression: NftRuleJSON.rule(rule["expr"]?.arrayValue ?? [])))
            }
        }
    }

    /// The table names in `nft -j list tables` output.
    package static func tableNames(json text: String) throws(ParseError) -> [String] {
        try items(json: text).compactMap { $0["table"]?["name"]?.stringValue }
    }

    /// The `nftables` array of `nft -j` output.
    private static func items(json text: String) throws(ParseError) -> [JSONValue] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw ParseError(description: "cannot parse nft JSON output: \(error)")
        }
        guard let items = value["nftables"]?.arrayValue else {
            throw ParseError(description: "nft JSON output has no \"nftables\" array")
        }
        return items
    }

    package func hasChain(_ name: String) -> Bool { chains.contains(name) }

    /// The rules whose comment starts with `prefix`.
    package func rules(in chain: String, commentPrefix prefix: String) -> [Rule] {
        rules.filter { $0.chain == chain && ($0.comment?.hasPrefix(prefix) ?? false) }
    }

    package func rules(in chain: String) -> [Rule] { rules.filter { $0.chain == chain } }

    package func rules(in chain: String, comment: String) -> [Rule] {
        rules.filter { $0.chain == chain && $0.comment == comment }
    }
}
