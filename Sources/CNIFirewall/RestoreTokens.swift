/// Splitting and quoting the words of one `iptables-restore` / `iptables-save` line, following
/// iptables' own tokenizer (`add_param_to_argv`): blanks separate words, `"` opens and closes a
/// quoted part, and inside quotes a backslash takes the next character literally.
package enum RestoreTokens {
    /// The words of `line`, unquoted; nil when a quote is left open.
    package static func split(_ line: String) -> [String]? {
        var words: [String] = []
        var current: [UInt8] = []
        var hasWord = false
        var quoted = false
        var escaped = false
        for byte in line.utf8 {
            if quoted {
                if escaped {
                    current.append(byte)
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    quoted = false
                } else {
                    current.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                quoted = true
                hasWord = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                if hasWord {
                    words.append(String(decoding: current, as: UTF8.self))
                    current = []
                    hasWord = false
                }
            default:
                current.append(byte)
                hasWord = true
            }
        }
        guard !quoted else { return nil }
        if hasWord { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// `word` as it must appear in a restore line: bare when it is plain, else in double quotes with
    /// `"` and `\` escaped. Control characters (a newline would start a new rule) are refused.
    package static func quote(_ word: String) throws(FirewallTextError) -> String {
        var needsQuotes = word.isEmpty
        var out = ""
        for scalar in word.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F {
                throw FirewallTextError(value: word, reason: "control characters are not allowed")
            }
            switch scalar {
            case "\"", "\\":
                needsQuotes = true
                out.append("\\")
                out.unicodeScalars.append(scalar)
            case " ", "'":
                needsQuotes = true
                out.unicodeScalars.append(scalar)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return needsQuotes ? "\"" + out + "\"" : out
    }

    /// The words joined into one line, each quoted as needed.
    package static func join(_ words: [String]) throws(FirewallTextError) -> String {
        var parts: [String] = []
        for w in words { parts.append(try quote(w)) }
        return parts.joined(separator: " ")
    }
}
