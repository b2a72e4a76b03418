/// Shell quoting for displayed commands (container IDs and paths come from the node).
enum ShellWords {
    /// `word` bare when it holds only safe characters, else in single quotes (`'` as `'\''`).
    static func quote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { s in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "-_./:=@%+,".unicodeScalars.contains(s))
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
