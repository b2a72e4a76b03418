/// A JSON document kept faithfully: object key order, number literals and unknown keys
/// survive a parse/serialize round trip, so configs pass through to delegates untouched.
package enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text as it appeared (validated against the JSON grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    package static func int(_ v: Int) -> JSONValue { .number(String(v)) }

    package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    package var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number as an integer when it is one exactly (`1450`, `1.45e3`, but not `1.5`).
    package var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let i = Int(text) { return i }
        guard let d = Double(text), d.rounded() == d, let i = Int(exactly: d) else { return nil }
        return i
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short type name for error messages.
    package var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// An ordered JSON object. Setting an existing key replaces it in place.
package struct JSONObject: Hashable, Sendable, Sequence {
    package private(set) var entries: [(key: String, value: JSONValue)]

    package init() { entries = [] }

    package init(_ pairs: [(String, JSONValue)]) {
        entries = []
        for (k, v) in pairs { self[k] = v }
    }

    /// Both objects' entries in order, duplicates kept (`field(_:)` picks the last match).
    init(concatenating first: JSONObject, _ second: JSONObject) {
        entries = first.entries + second.entries
    }

    package var keys: [String] { entries.map { $0.key } }
    package var count: Int { entries.count }
    package var isEmpty: Bool { entries.isEmpty }

    package subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let v = newValue { entries[i].value = v } else { entries.remove(at: i) }
            } else if let v = newValue {
                entries.append((key, v))
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    package static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.entries.count == b.entries.count else { return false }
        for (x, y) in zip(a.entries, b.entries) where x.key != y.key || x.value != y.value {
            return false
        }
        return true
    }

    package func hash(into h: inout Hasher) {
        h.combine(entries.count)
        for e in entries {
            h.combine(e.key)
            h.combine(e.value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    package init(nilLiteral: ()) { self = .null }
}
