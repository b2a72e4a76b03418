/// One rule of an iptables table: its chain and the words after the chain name, unquoted
/// (`["-p", "tcp", "-m", "comment", "--comment", "dnat name: \"cbr0\" id: \"c2\"", ...]`).
///
/// Rules generated in the order `iptables-save` prints them (`-s -d -i -o -p`, then matches in
/// order, then `-j` and the target's options) compare equal to the parsed saved rule, which is
/// how callers find what is already installed.
public struct IptablesRule: Hashable, Sendable, CustomStringConvertible {
    public let chain: String
    public let arguments: [String]

    public init(chain: String, _ arguments: [String]) {
        self.chain = chain
        self.arguments = arguments
    }

    /// Parses an `iptables-save` rule line (`-A CHAIN ...`); nil for anything else.
    /// `-p 6` / `-p 17` / `-p 132` read as `-p tcp` / `udp` / `sctp`: iptables-save prints the
    /// number where it cannot resolve the name (no `/etc/protocols` or no NSS `files` module,
    /// as in minimal images), and the rules we generate name the protocol.
    public init?(saveLine line: some StringProtocol) {
        guard line.hasPrefix("-A "), var words = RestoreTokens.split(String(line)), words.count >= 2 else {
            return nil
        }
        for i in words.indices.dropLast() where words[i] == "-p" {
            if let name = Self.protocolNames[words[i + 1]] { words[i + 1] = name }
        }
        self.chain = words[1]
        self.arguments = Array(words.dropFirst(2))
    }

    /// The protocol numbers iptables-save may print instead of the names we write.
    static let protocolNames = ["6": "tcp", "17": "udp", "132": "sctp"]

    /// The target after `-j` (or `-g`), if any.
    public var target: String? {
        guard let i = arguments.lastIndex(where: { $0 == "-j" || $0 == "-g" }), i + 1 < arguments.count else {
            return nil
        }
        return arguments[i + 1]
    }

    /// The value of the `--comment` match, if any.
    public var comment: String? {
        guard let i = arguments.firstIndex(of: "--comment"), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    /// The restore line: `-A CHAIN ...` (or `-D`, `-I CHAIN 1`, ... per `operation`).
    /// Throws when a word cannot be written safely (control characters).
    public func restoreLine(_ operation: Operation = .append) throws(FirewallTextError) -> String {
        try Self.checkChainName(chain)
        var head = [operation.flag, chain]
        if case .insert(let position) = operation { head.append(String(position)) }
        return head.joined(separator: " ") + (arguments.isEmpty ? "" : " " + (try RestoreTokens.join(arguments)))
    }

    public enum Operation: Sendable, Equatable {
        case append
        case delete
        case insert(position: Int)

        var flag: String {
            switch self {
            case .append: return "-A"
            case .delete: return "-D"
            case .insert: return "-I"
            }
        }
    }

    /// Chain names are single plain words of at most 28 characters (XT_EXTENSION_MAXNAMELEN - 1).
    public static func checkChainName(_ name: String) throws(FirewallTextError) {
        guard !name.isEmpty, name.utf8.count <= 28 else {
            throw FirewallTextError(value: name, reason: "a chain name must have 1 to 28 characters")
        }
        for b in name.utf8 where b <= 0x20 || b == 0x7F || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
            || b == UInt8(ascii: "\\") {
            throw FirewallTextError(value: name, reason: "a chain name must not contain blanks, quotes or control characters")
        }
        if name.hasPrefix("-") || name.hasPrefix("!") {
            throw FirewallTextError(value: name, reason: "a chain name must not start with - or !")
        }
    }

    public var description: String {
        (try? restoreLine()) ?? "-A \(chain) \(arguments)"
    }
}
