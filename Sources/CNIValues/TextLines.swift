/// Line splitting on bytes: Swift's `split(separator: "\n")` treats "\r\n" as one Character and
/// would not split there.
package enum TextLines {
    /// The lines of `text` split at LF, one trailing CR dropped from each (Go's bufio.ScanLines).
    package static func split(_ text: String, omittingEmpty: Bool = true) -> [String] {
        Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: omittingEmpty).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }.filter { !omittingEmpty || !$0.isEmpty }
    }
}
