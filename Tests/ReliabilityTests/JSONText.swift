import Foundation

/// A JSON document for building hostile configs: keeps key order, renders exactly what it says
/// (`.raw` splices any text, valid JSON or not), and edits one value at a key path.
indirect enum JSONText: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case raw(String)
    case array([JSONText])
    case object([(String, JSONText)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONText...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONText)...) { self = .object(elements) }

    static let null = JSONText.raw("null")

    var rendered: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .raw(let r): return r
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let pairs): return "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    var bytes: [UInt8] { Array(rendered.utf8) }

    /// JSON string escaping (control characters as \u00XX, so NULs survive as escapes).
    static func quote(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// The value at `path` (object keys; array indices as decimal strings).
    func value(at path: [String]) -> JSONText? {
        guard let head = path.first else { return self }
        switch self {
        case .object(let pairs): return pairs.first { $0.0 == head }?.1.value(at: Array(path.dropFirst()))
        case .array(let items):
            guard let i = Int(head), items.indices.contains(i) else { return nil }
            return items[i].value(at: Array(path.dropFirst()))
        default: return nil
        }
    }

    /// A copy with the value at `path` replaced (added when the key is missing); nil removes it.
    func setting(_ path: [String], to value: JSONText?) -> JSONText {
        guard let head = path.first else { return value ?? .null }
        let rest = Array(path.dropFirst())
        switch self {
        case .object(var pairs):
            if let i = pairs.firstIndex(where: { $0.0 == head }) {
                if rest.isEmpty && value == nil { pairs.remove(at: i) } else { pairs[i].1 = pairs[i].1.setting(rest, to: value) }
            } else if let value {
                pairs.append((head, JSONText.object([]).setting(rest, to: value)))
            }
            return .object(pairs)
        case .array(var items):
            guard let i = Int(head), items.indices.contains(i) else { return self }
            if rest.isEmpty && value == nil { items.remove(at: i) } else { items[i] = items[i].setting(rest, to: value) }
            return .array(items)
        default:
            return self
        }
    }

    /// A short label of the value (long values abbreviated).
    var label: String {
        let r = rendered
        return r.count <= 60 ? r : String(r.prefix(40)) + "…(\(r.utf8.count) bytes)"
    }
}
