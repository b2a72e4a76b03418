/// Checks and quoting for words put into an `nft -f` batch. nft strings have no escape for `"`,
/// and `;` or a newline outside a string ends the command, so such values are refused rather
/// than escaped.
package enum NftText {
    /// `"<value>"` for a `comment`; refuses quotes, backslashes, control characters and values
    /// longer than nft's 128-byte comment limit.
    package static func quotedComment(_ value: String) throws(FirewallTextError) -> String {
        guard value.utf8.count <= 128 else {
            throw FirewallTextError(value: value, reason: "nft comments are limited to 128 bytes")
        }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || scalar == "\"" || scalar == "\\" {
                throw FirewallTextError(value: value, reason: "quotes, backslashes and control characters are not allowed in nft comments")
            }
        }
        return "\"" + value + "\""
    }

    /// Words of a rule expression (from configuration, e.g. `conditionsV4`) joined with blanks,
    /// kept as they are but refused when they could end the command or start another one.
    package static func expression(_ words: [String]) throws(FirewallTextError) -> String {
        let text = words.joined(separator: " ")
        var depth = 0
        var inString = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || scalar == ";" || scalar == "#" || scalar == "\\" {
                throw FirewallTextError(value: text, reason: "control characters, ';', '#' and '\\' are not allowed in nft rule expressions")
            }
            if scalar == "\"" { inString.toggle() }
            if inString { continue }
            if scalar == "{" { depth += 1 } else if scalar == "}" { depth -= 1 }
            if depth < 0 { break }
        }
        guard !inString, depth == 0 else {
            throw FirewallTextError(value: text, reason: "unbalanced quotes or braces in nft rule expression")
        }
        return text
    }

    /// A table, chain or similar identifier: letters, digits, `_`, `-`, `.`, starting with a letter.
    package static func checkIdentifier(_ name: String) throws(FirewallTextError) {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII else {
            throw FirewallTextError(value: name, reason: "an nft identifier must start with a letter")
        }
        for s in name.unicodeScalars {
            let ok = s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_" || s == "-" || s == ".")
            if !ok { throw FirewallTextError(value: name, reason: "an nft identifier may hold only letters, digits, _ - .") }
        }
    }
}
