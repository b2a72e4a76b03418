import Foundation

/// The seeded random families: each draw is invalid by construction (a truncated object, a raw
/// control character, a wrong type, an identifier with a forbidden character, ...), so any
/// success is a plugin bug, not bad luck.
extension HostileCorpus {
    static let validIDCharacters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
    static let forbiddenIDCharacters: [Character] = ["\n", "\"", "'", "/", " ", "$", ";", "\\", "é", "\t", "*", "?", "<", ">", "|", "&", "`", "\r", "\u{7f}", "\u{1}"]
    static let forbiddenIfnameCharacters: [Character] = ["/", ":", " ", "\n", "\t", "\u{85}", "\u{a0}", "\u{2028}", "\u{1}"]
    static let commands = ["ADD", "DEL", "CHECK"]

    mutating func randomCase() -> HostileCase {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return randomTruncation()
        case 1: return randomBytes()
        case 2: return randomControlCharacter()
        case 3: return randomWrongTypes(count: 1)
        case 4: return randomWrongTypes(count: 2)
        case 5: return randomContainerID()
        case 6: return randomIfname()
        case 7: return randomArgs()
        case 8: return randomVersion()
        default: return randomTokens()
        }
    }

    private mutating func command(_ choices: [String] = commands) -> String { rng.pick(choices) }

    mutating func randomTruncation() -> HostileCase {
        let b = profile.template.bytes
        let n = Int.random(in: 0..<b.count, using: &rng)
        let c = command()
        return HostileCase(label: "random: truncated at \(n) (\(c))", command: c, stdin: Array(b.prefix(n)))
    }

    mutating func randomBytes() -> HostileCase {
        let n = Int.random(in: 1...4096, using: &rng)
        let brace = Bool.random(using: &rng)
        let c = command()
        return HostileCase(label: "random: \(n) random bytes\(brace ? " after {" : "") (\(c))", command: c,
                           stdin: (brace ? [UInt8(ascii: "{")] : []) + rng.bytes(n))
    }

    /// A raw control character (never JSON whitespace) anywhere: invalid inside strings and between tokens.
    mutating func randomControlCharacter() -> HostileCase {
        var b = profile.template.bytes
        let at = Int.random(in: 0...b.count, using: &rng)
        let ch = rng.pick([UInt8](0...8) + [0x0B, 0x0C] + [UInt8](0x0E...0x1F))
        b.insert(ch, at: at)
        let c = command()
        return HostileCase(label: "random: byte \(ch) inserted at \(at) (\(c))", command: c, stdin: b)
    }

    mutating func randomWrongTypes(count: Int) -> HostileCase {
        var json = profile.template
        var labels: [String] = []
        for _ in 0..<count {
            let (key, kind) = rng.pick(profile.keys)
            let value = rng.pick(kind.wrongValues)
            json = json.setting(key, to: value)
            labels.append("\(key.joined(separator: ".")) = \(value.label)")
        }
        return HostileCase(label: "random: " + labels.joined(separator: ", "), stdin: json.bytes)
    }

    mutating func randomIdentifier(_ length: ClosedRange<Int>) -> String {
        String((0..<Int.random(in: length, using: &rng)).map { _ in rng.pick(Self.validIDCharacters) })
    }

    mutating func randomContainerID() -> HostileCase {
        var id = Array(randomIdentifier(0...40))
        if Bool.random(using: &rng) || id.isEmpty {
            id.insert(rng.pick(Self.forbiddenIDCharacters), at: Int.random(in: 0...id.count, using: &rng))
        } else {
            id.insert(rng.pick(["_", ".", "-"] as [Character]), at: 0)
        }
        let c = command(["ADD", "DEL"])
        let value = String(id)
        return HostileCase(label: "random: CNI_CONTAINERID \(value.debugDescription) (\(c))", command: c, stdin: profile.template.bytes,
                           env: ["CNI_CONTAINERID": value])
    }

    mutating func randomIfname() -> HostileCase {
        var name: String
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: name = randomIdentifier(16...40)
        case 1: name = rng.pick([".", ".."])
        default:
            var chars = Array(randomIdentifier(0...13))
            chars.insert(rng.pick(Self.forbiddenIfnameCharacters), at: Int.random(in: 0...chars.count, using: &rng))
            name = String(chars)
        }
        let c = command(["ADD", "DEL"])
        return HostileCase(label: "random: CNI_IFNAME \(name.debugDescription) (\(c))", command: c, stdin: profile.template.bytes,
                           env: ["CNI_IFNAME": name])
    }

    /// Either a pair without exactly one `=` somewhere, or only well-formed pairs with keys no
    /// plugin knows and no IgnoreUnknown.
    mutating func randomArgs() -> HostileCase {
        let values = ["1", "true", "0", "x", "", "é", "10.98.0.20", "0a:58:0a:f4:01:02", "a b", "\u{7f}"]
        var pairs: [String] = []
        let malformed = Bool.random(using: &rng)
        for _ in 0..<Int.random(in: 1...5, using: &rng) {
            let key = malformed ? rng.pick(["IgnoreUnknown", "K8S_POD_NAME", "IP", "MAC", "FOO"]) : rng.pick(["FOO", "K8S_POD_NAME", "BAR", "ip", "mac"])
            pairs.append(key + "=" + rng.pick(values))
        }
        if malformed {
            pairs.insert(rng.pick(["X", "a=b=c", "==", "IgnoreUnknown", "k8s=a=b", "IP"]), at: Int.random(in: 0...pairs.count, using: &rng))
        }
        let text = pairs.joined(separator: ";")
        let c = command(["ADD", "DEL"])
        return HostileCase(label: "random: CNI_ARGS \(text.debugDescription) (\(c))", command: c, stdin: profile.template.bytes,
                           env: ["CNI_ARGS": text])
    }

    /// `X.Y.Z` with a major version no spec has, or a version with a character no version has.
    mutating func randomVersion() -> HostileCase {
        var v: String
        if Bool.random(using: &rng) {
            v = "\(Int.random(in: 2...40, using: &rng)).\(Int.random(in: 0...20, using: &rng)).\(Int.random(in: 0...20, using: &rng))"
        } else {
            var chars = Array(rng.pick(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]))
            chars.insert(rng.pick(["x", "a", "+", " ", "_", "/", "\u{0}"] as [Character]), at: Int.random(in: 0...chars.count, using: &rng))
            v = String(chars)
        }
        return HostileCase(label: "random: cniVersion \(v.debugDescription)", stdin: profile.template.setting(["cniVersion"], to: .string(v)).bytes)
    }

    /// JSON-looking token soup without a "name" key (so it can never be a valid config).
    mutating func randomTokens() -> HostileCase {
        let tokens = ["{", "}", "[", "]", ":", ",", "\"cniVersion\"", "\"1.0.0\"", "\"type\"", "1", "true", "null", "\"x\"", "-", "\"", " "]
        let soup = (0..<Int.random(in: 1...60, using: &rng)).map { _ in rng.pick(tokens) }.joined()
        let c = command()
        return HostileCase(label: "random: tokens \(soup.prefix(60).debugDescription) (\(c))", command: c, stdin: Array(soup.utf8))
    }
}
