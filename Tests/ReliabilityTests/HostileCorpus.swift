import CNITestSupport
import Foundation

/// One hostile invocation: stdin bytes, the verb, and changes to a valid environment.
struct HostileCase {
    let label: String
    var command = "ADD"
    var stdin: [UInt8]
    /// Overrides of the default environment; a nil value unsets the variable. (Never a NUL:
    /// execve would cut the value there and run something else than the case says.)
    var env: [String: String?] = [:]
}

/// Deterministic hostile inputs for one plugin: the structured catalogue (syntax, sizes, nesting,
/// versions, a wrong type for every known key, the profile's invalid values, names, environment),
/// then seeded random cases of the same families. Every case must be refused.
struct HostileCorpus {
    let profile: PluginProfile
    let paths: FuzzPaths
    var rng: SeededRandom

    var text: String { profile.template.rendered }

    mutating func cases(randomCount: Int) -> [HostileCase] {
        var out = syntax() + sizes() + versions() + wrongTypes() + badValues() + names() + environment()
        for _ in 0..<randomCount { out.append(randomCase()) }
        return out
    }

    private func config(_ label: String, _ json: JSONText, command: String = "ADD") -> HostileCase {
        HostileCase(label: label, command: command, stdin: json.bytes)
    }

    private func bytes(_ label: String, _ b: [UInt8], command: String = "ADD") -> HostileCase {
        HostileCase(label: label, command: command, stdin: b)
    }

    /// The template with `"relfz": <raw>` spliced in as its first key.
    private func withExtra(_ raw: String) -> [UInt8] { Array(("{\"relfz\":" + raw + "," + text.dropFirst()).utf8) }

    // MARK: - Structured families

    func syntax() -> [HostileCase] {
        var out: [HostileCase] = []
        let literal = ["", " \n\t\r ", "null", "[]", "5", "\"x\"", "true", "{}", "{\"cniVersion\":\"1.0.0\"}", "{\"name\":\"\"}",
                       text + "x", text + "\u{0}", text + "}", text + text, "\u{0}" + text, text.replacingOccurrences(of: "\"", with: "'"),
                       String(text.dropLast()) + ",}", "/*c*/" + text, "{name:\"x\"}", "{\"name\":\"abc", String(text.dropLast())]
        for (i, s) in literal.enumerated() {
            for command in ["ADD", "DEL", "CHECK"] { out.append(bytes("syntax #\(i) (\(command))", Array(s.utf8), command: command)) }
        }
        let values = ["007", "+1", ".5", "1.", "0x10", "NaN", "Infinity", "-", "1e", "--1", "tru", "nul", "True", "undefined",
                      "\"\\x41\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\\"", "\"a\u{1}b\"", "\"a\u{0}b\"", "'x'", "[1,]", "{\"a\"}", "{\"a\":}", "[1 2]"]
        out += values.map { bytes("bad JSON value \($0.debugDescription)", withExtra($0)) }
        // Invalid UTF-8 and lone surrogates inside the network name.
        let name = profile.template.value(at: ["name"])?.rendered ?? "\"\""
        let parts = text.components(separatedBy: name)
        if parts.count == 2 {
            for junk: [UInt8] in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x61, 0xFE, 0x62]] {
                out.append(bytes("name bytes \(junk)", Array(parts[0].utf8) + [0x22] + junk + [0x22] + Array(parts[1].utf8)))
            }
            out.append(bytes("name lone surrogate", Array((parts[0] + "\"\\ud800\"" + parts[1]).utf8)))
        }
        let cut = Array(text.utf8)
        out += [1, cut.count / 2, cut.count - 1].map { bytes("truncated at \($0)", Array(cut.prefix($0))) }
        return out
    }

    mutating func sizes() -> [HostileCase] {
        let mb = 1 << 20
        func xs(_ n: Int) -> JSONText { .raw("\"" + String(repeating: "x", count: n) + "\"") }
        let padded = profile.template.setting(["relfzPadding"], to: xs(3 * mb)).bytes
        return [
            config("5 MB cniVersion", profile.template.setting(["cniVersion"], to: .raw("\"" + String(repeating: "9", count: 5 * mb) + "\""))),
            config("17 MB config (over the stdin limit)", profile.template.setting(["relfzPadding"], to: xs(17 * mb))),
            config("2 MB array as name", profile.template.setting(["name"], to: .raw("[" + String(repeating: "1,", count: mb) + "1]"))),
            bytes("3 MB config truncated", Array(padded.prefix(padded.count - 2 * mb))),
            bytes("6 MB random bytes", rng.bytes(6 * mb)),
            bytes("200000 x [", Array(repeating: UInt8(ascii: "["), count: 200_000)),
            bytes("100000 x {\"a\":", Array(String(repeating: "{\"a\":", count: 100_000).utf8)),
            config("100000-deep arrays as name", profile.template.setting(["name"], to: .raw(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)))),
            config("50000-deep objects as cniVersion", profile.template.setting(["cniVersion"], to: .raw(String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000)))),
            config("100000-deep arrays as an unknown key", profile.template.setting(["relfzDeep"], to: .raw(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 99_999)))),
        ]
    }

    func versions() -> [HostileCase] {
        ["2.0.0", "0.0.1", "1.0", "v1.0.0", "1.0.0 ", " 1.0.0", "1.2.0", "0.3.2", "10.0.0", "1.0.0.0", "99999999999999999999.0.0",
         "1.0.0\u{0}", "-1.0.0", "1.1", "0.4", "1..0", "1.0.0-rc1", "１.０.０", "1.0.0\n"]
            .map { config("cniVersion \($0.debugDescription)", profile.template.setting(["cniVersion"], to: .string($0))) }
    }

    func wrongTypes() -> [HostileCase] {
        profile.keys.flatMap { key, kind in
            kind.wrongValues.map { config("\(key.joined(separator: ".")) = \($0.label)", profile.template.setting(key, to: $0)) }
        }
    }

    func badValues() -> [HostileCase] {
        profile.badValues.map { key, value in
            config("\(key.joined(separator: ".")) \(value.map { "= " + $0.label } ?? "removed")", profile.template.setting(key, to: value))
        }
    }

    func names() -> [HostileCase] {
        var list = ["../../etc", "a/b", "", " ", "a b", "-a", ".a", "_a", "a\nb", "a\u{0}b", "é", "cbr0\n", "a\"b",
                    String(repeating: "x", count: 300) + "/"]
        if profile.usesStore { list.append(String(repeating: "x", count: 300)) }
        return list.map { config("name \($0.debugDescription.prefix(40))", profile.template.setting(["name"], to: .string($0))) }
    }

    func environment() -> [HostileCase] {
        var out: [HostileCase] = []
        func env(_ label: String, _ command: String, _ changes: [String: String?], stdin: [UInt8]? = nil) {
            out.append(HostileCase(label: label, command: command, stdin: stdin ?? profile.template.bytes, env: changes))
        }
        let ids = ["a\nb", "ab\n", "a\"b", "a'b", "../../etc", "a/b", " a", "-a", ".a", "_a", "a b", "a;b", "a\\b", "é", "a\tb",
                   "a$(id)", "\u{FEFF}a", ""]
        let ifnames = ["a/b", "../x", "", ".", "..", "xxxxxxxxxxxxxxxx", "eth 0", "eth:0", "eth0\n", "\teth0", "éééééééé", "a\u{85}b", "a\u{a0}b"]
        let args = ["garbage", "=", "a=b=c", "FOO=bar", ";;=;", "IgnoreUnknown=0;X=1", "K8S_POD_NAME=x", "IgnoreUnknown", "\n",
                    "IgnoreUnknown=yes;FOO=1", "X", "a=b;c", "=;=", "IgnoreUnknown=1;a=b=c"]
        for command in ["ADD", "DEL"] {
            for v in ids { env("CNI_CONTAINERID \(v.debugDescription) (\(command))", command, ["CNI_CONTAINERID": v]) }
            for v in ifnames { env("CNI_IFNAME \(v.debugDescription) (\(command))", command, ["CNI_IFNAME": v]) }
            for v in args { env("CNI_ARGS \(v.debugDescription) (\(command))", command, ["CNI_ARGS": v]) }
            env("CNI_CONTAINERID unset (\(command))", command, ["CNI_CONTAINERID": String?.none])
            env("CNI_IFNAME unset (\(command))", command, ["CNI_IFNAME": String?.none])
        }
        for v in profile.badArgs { env("CNI_ARGS \(v.debugDescription)", "ADD", ["CNI_ARGS": v]) }
        for v in ["", "relative/netns"] { env("CNI_NETNS \(v.debugDescription)", "ADD", ["CNI_NETNS": v]) }
        env("CNI_NETNS unset", "ADD", ["CNI_NETNS": String?.none])
        if profile.opensNetns {
            for v in [paths.missing, paths.regularFile, paths.emptyDir, "/", "/dev/null"] { env("CNI_NETNS \(v.debugDescription)", "ADD", ["CNI_NETNS": v]) }
        }
        for v in ["add", "FOO", "ADD ", " ADD", "A", "DELETE", "ADD\n", "Add"] { env("CNI_COMMAND \(v.debugDescription)", v, [:]) }
        for v in ["0.3.1", "0.2.0", "0.1.0"] {
            env("CHECK with cniVersion \(v)", "CHECK", [:], stdin: profile.template.setting(["cniVersion"], to: .string(v)).bytes)
        }
        env("GC with cniVersion 1.0.0", "GC", ["CNI_CONTAINERID": String?.none, "CNI_IFNAME": String?.none, "CNI_NETNS": String?.none])
        env("STATUS with cniVersion 1.0.0", "STATUS", ["CNI_CONTAINERID": String?.none, "CNI_IFNAME": String?.none, "CNI_NETNS": String?.none])
        if profile.delegates {
            for v in ["", "/relfz-nonexistent", "relative/dir", paths.emptyDir, ":::", paths.regularFile] {
                env("CNI_PATH \(v.debugDescription)", "ADD", ["CNI_PATH": v])
            }
            env("CNI_PATH unset", "ADD", ["CNI_PATH": String?.none])
        }
        return out
    }
}
