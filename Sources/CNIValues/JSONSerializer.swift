/// Serializes `JSONValue` the way Go's encoding/json does, so our output matches the
/// reference byte for byte: compact (`json.Marshal`) or indented with four spaces
/// (`MarshalIndent`), optional sorted keys (Go sorts map keys), and Go's HTML-safe escapes.
package struct JSONSerializer {
    package enum Style: Sendable { case compact, pretty }

    package static func string(_ value: JSONValue, style: Style = .compact, sortedKeys: Bool = false) -> String {
        String(decoding: bytes(value, style: style, sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// UTF-8 bytes, written straight into one buffer (no String appends per character).
    package static func bytes(_ value: JSONValue, style: Style = .compact, sortedKeys: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, into: &out, style: style, sortedKeys: sortedKeys, indent: 0)
        return out
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        for _ in 0..<(indent * 4) { out.append(0x20) }
    }

    private static func write(_ v: JSONValue, into out: inout [UInt8], style: Style, sortedKeys: Bool, indent: Int) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): quote(s, into: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (k, e) in a.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if style == .pretty { newline(&out, indent + 1) }
                write(e, into: &out, style: style, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if style == .pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            let entries = sortedKeys ? o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : o.entries
            for (k, e) in entries.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if style == .pretty { newline(&out, indent + 1) }
                quote(e.key, into: &out)
                if style == .pretty {
                    out.append(UInt8(ascii: ":"))
                    out.append(0x20)
                } else {
                    out.append(UInt8(ascii: ":"))
                }
                write(e.value, into: &out, style: style, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if style == .pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Go's escaping: `"` `\\` and `\n` `\r` `\t` as two characters, other control characters
    /// and `<` `>` `&` U+2028 U+2029 as `\u00xx` (lower-case hex). Works on the UTF-8 bytes: a
    /// String is valid UTF-8, and U+2028/U+2029 are the sequences E2 80 A8 / E2 80 A9.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { utf8 in
            var i = 0
            while i < utf8.count {
                let b = utf8[i]
                switch b {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
                case UInt8(ascii: "\\"): out.append(b); out.append(b)
                case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    unicodeEscape(UInt32(b), into: &out)
                case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    unicodeEscape(utf8[i + 2] == 0xA8 ? 0x2028 : 0x2029, into: &out)
                    i += 2
                default:
                    if b < 0x20 { unicodeEscape(UInt32(b), into: &out) } else { out.append(b) }
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `\u` and four lower-case hex digits.
    private static func unicodeEscape(_ v: UInt32, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)]) }
    }
}

extension JSONValue: CustomStringConvertible {
    package var description: String { JSONSerializer.string(self) }
}
