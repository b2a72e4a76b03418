import CNIProtocol
import CNISystem

/// resolv.conf → result `dns`, as host-local reads its `resolvConf` file: `nameserver` (each
/// line's first value), `domain` (the last one wins), `search` and `options` (every word of every
/// line). Lines starting with `#` or `;` are comments; other keywords are ignored.
enum ResolvConf {
    static func parse(_ text: String) -> CNIResult.DNS {
        var dns = CNIResult.DNS()
        // Character.isNewline also covers "\r\n", which Swift treats as one Character.
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            let values = Array(fields.dropFirst())
            guard let keyword = fields.first, let value = values.first,
                  !keyword.hasPrefix("#"), !keyword.hasPrefix(";") else { continue }
            switch keyword {
            case "nameserver": dns.nameservers.append(value)
            case "domain": dns.domain = value
            case "search": dns.search += values
            case "options": dns.options += values
            default: break
            }
        }
        return dns
    }

    /// Reads and parses `path`; a missing file fails like the reference (`open <path>: no such file or directory`).
    static func load(path: String) throws -> CNIResult.DNS {
        let bytes = try FileSystem.readFile(path, limit: 1 << 20)
        return parse(String(decoding: bytes, as: UTF8.self))
    }
}
