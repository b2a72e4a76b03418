/// Serializes `JSONValue` the way Go's encoding/json does, so our output matches the
/// reference byte for byte: compact (`json.Marshal`) or indented with four spaces
/// (`MarshalIndent`), optional sorted keys (Go sorts map keys), and Go's HTML-safe escapes.
public struct JSONSerializer {
    public enum Style: Sendable { case compact, pretty }

    public static func string(_ value: JSONValue, style: Style = .compact, sortedKeys: Bool = false) -> String {
        var out = ""
        write(value, into: &out, style: style, sortedKeys: sortedKeys, indent: 0)
        return out
    }

    public static func bytes(_ value: JSONValue, style: Style = .compact, sortedKeys: Bool = false) -> [UInt8] {
        Array(string(value, style: style, sortedKeys: sortedKeys).utf8)
    }

    private static func newline(_ out: inout String, _ indent: Int) {
        out += "\n"
        out += String(repeating: "    ", count: indent)
    }

    private static func write(_ v: JSONValue, into out: inout String, style: Style, sortedKeys: Bool, indent: Int) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): quote(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (k, e) in a.enumerated() {
                if k > 0 { out += "," }
                if style == .pretty { newline(&out, indent + 1) }
                write(e, into: &out, style: style, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if style == .pretty { newline(&out, indent) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            let entries = sortedKeys ? o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : o.entries
            for (k, e) in entries.enumerated() {
                if k > 0 { out += "," }
                if style == .pretty { newline(&out, indent + 1) }
                quote(e.key, into: &out)
                out += style == .pretty ? ": " : ":"
                write(e.value, into: &out, style: style, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if style == .pretty { newline(&out, indent) }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + hex4(u.value)
            default:
                if u.value < 0x20 {
                    out += "\\u" + hex4(u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONSerializer.string(self) }
}
