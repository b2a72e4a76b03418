/// A plain-text table with aligned columns (pure): a header row, then rows; every column is
/// as wide as its widest cell, columns separated by two spaces, trailing blanks trimmed.
struct TextTable: Sendable, Equatable {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns right-aligned (numbers), by index.
    var rightAligned: Set<Int> = []

    mutating func append(_ row: [String]) { rows.append(row) }

    /// The rendered lines, each prefixed with `indent`; no trailing newline.
    func render(indent: String = "") -> String {
        let columns = ([headers] + rows).map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in [headers] + rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], Self.width(cell)) }
        }
        return ([headers] + rows).map { row -> String in
            var line = ""
            for i in 0..<columns {
                let cell = i < row.count ? row[i] : ""
                let pad = String(repeating: " ", count: widths[i] - Self.width(cell))
                let isLast = i == columns - 1
                line += rightAligned.contains(i) ? pad + cell : cell + (isLast ? "" : pad)
                if !isLast { line += "  " }
            }
            return indent + line.trimmingTrailingBlanks()
        }.joined(separator: "\n")
    }

    /// Display width: one per Unicode scalar (the report is ASCII except `→`).
    static func width(_ s: String) -> Int { s.unicodeScalars.count }
}
