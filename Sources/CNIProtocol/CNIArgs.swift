/// `CNI_ARGS`: `K=V;K2=V2`. Each pair must have exactly one `=`, as the Go library requires.
package struct CNIArgs: Sendable, Equatable {
    package let pairs: [(key: String, value: String)]

    package static func == (a: CNIArgs, b: CNIArgs) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    package init(parsing text: String) throws(CNIError) {
        var out: [(String, String)] = []
        for item in text.split(separator: ";", omittingEmptySubsequences: true) {
            let kv = item.split(separator: "=", omittingEmptySubsequences: false)
            guard kv.count == 2 else {
                throw CNIError(code: CNIError.invalidEnvironment, "ARGS: invalid pair \"\(item)\"")
            }
            out.append((String(kv[0]), String(kv[1])))
        }
        pairs = out
    }

    package init() { pairs = [] }

    package subscript(key: String) -> String? {
        pairs.last(where: { $0.key == key })?.value
    }

    package var ignoresUnknown: Bool {
        guard let v = self["IgnoreUnknown"]?.lowercased() else { return false }
        return v == "1" || v == "true"
    }

    /// Rejects keys the plugin does not understand unless `IgnoreUnknown` is set.
    package func validate(knownKeys: Set<String>) throws(CNIError) {
        guard !ignoresUnknown else { return }
        let unknown = pairs.filter { $0.key != "IgnoreUnknown" && !knownKeys.contains($0.key) }
        guard unknown.isEmpty else {
            let list = unknown.map { "\"\($0.key)=\($0.value)\"" }.joined(separator: " ")
            throw CNIError(code: CNIError.invalidEnvironment, "ARGS: unknown args [\(list)]")
        }
    }
}
