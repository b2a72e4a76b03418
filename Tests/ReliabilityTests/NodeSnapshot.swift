import CNITestSupport
import Foundation

/// Everything a plugin could change on a test node, as normalized text: node links (`ip -d link`),
/// addresses, routes, `iptables-save` and `nft list ruleset` of the node, links and addresses of
/// each pod netns, and the files under the given directories (names, modes, contents).
/// Normalization drops what the kernel changes by itself, in its own time: bridge timers,
/// carrier and operstate (a bridge loses carrier a while after its last port went), IPv6
/// link-local addresses (and their DAD flags), counters, iptables-save's timestamps, and the
/// round-robin hint `last_reserved_ip.N` (a failed ADD may move it, as the reference does).
struct NodeSnapshot: Equatable {
    private(set) var sections: [String: [String]] = [:]

    static func capture(node: TestNamespace, pods: [TestNamespace], directories: [String], nsenter: String) -> NodeSnapshot {
        var s = NodeSnapshot()
        func inNode(_ argv: [String]) -> String {
            let r = Command.run([nsenter, "--net=" + node.path, "--"] + argv)
            return r.status == 0 ? r.stdout : "<\(argv[0]) failed: \(r.status) \(r.stderr)>"
        }
        s.sections["node links"] = links(Command.run(["ip", "-n", node.name, "-d", "link", "show"]).stdout)
        s.sections["node addresses"] = addresses(Command.run(["ip", "-n", node.name, "addr", "show"]).stdout)
        s.sections["node routes"] = lines(Command.run(["ip", "-n", node.name, "route", "show", "table", "all"]).stdout)
            .filter { !$0.contains("fe80::") && !$0.hasPrefix("multicast ff00::/8") && !$0.hasPrefix("local fe80") }
            .map { $0.replacingOccurrences(of: " linkdown", with: "") }
        s.sections["node iptables"] = iptables(inNode(["iptables-save"]))
        s.sections["node nft"] = nft(inNode(["nft", "list", "ruleset"]))
        for (i, pod) in pods.enumerated() {
            s.sections["pod\(i) links"] = links(Command.run(["ip", "-n", pod.name, "-d", "link", "show"]).stdout)
            s.sections["pod\(i) addresses"] = addresses(Command.run(["ip", "-n", pod.name, "addr", "show"]).stdout)
        }
        for dir in directories { s.sections["files " + dir] = files(dir) }
        return s
    }

    /// Human-readable differences (`- before` / `+ after` lines per section); empty when equal.
    func differences(to after: NodeSnapshot) -> String {
        var out: [String] = []
        for key in Set(sections.keys).union(after.sections.keys).sorted() {
            let a = sections[key] ?? [], b = after.sections[key] ?? []
            guard a != b else { continue }
            let gone = a.filter { !b.contains($0) }, new = b.filter { !a.contains($0) }
            out.append("[\(key)]")
            out += gone.map { "- " + $0 } + new.map { "+ " + $0 }
            if gone.isEmpty && new.isEmpty { out.append("  (same lines, different order or count)") }
        }
        return out.joined(separator: "\n")
    }

    // MARK: - Normalization

    private static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func replacing(_ pattern: String, in text: String, with template: String) -> String {
        text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
    }

    static func links(_ text: String) -> [String] {
        lines(carrierless(replacing(#"(_timer)\s+[0-9.]+"#, in: text, with: "$1 *")))
    }

    /// Without carrier flags and operstate: `<NO-CARRIER,BROADCAST,UP,LOWER_UP> ... state DOWN` → `<BROADCAST,UP> ...`.
    static func carrierless(_ text: String) -> String {
        var t = replacing(#"(NO-CARRIER|LOWER_UP|M-DOWN|DORMANT),?"#, in: text, with: "")
        t = replacing(#",>"#, in: t, with: ">")
        return replacing(#" state [A-Z]+"#, in: t, with: "")
    }

    /// Drops IPv6 link-local addresses (they come and go with carrier, with DAD flags) and the
    /// lifetime line that follows each of them.
    static func addresses(_ text: String) -> [String] {
        var out: [String] = []
        var skipLifetime = false
        for line in lines(carrierless(text)) {
            if line.hasPrefix("inet6 fe80:") { skipLifetime = true; continue }
            if skipLifetime && line.hasPrefix("valid_lft") { skipLifetime = false; continue }
            skipLifetime = false
            out.append(line)
        }
        return out
    }

    static func iptables(_ text: String) -> [String] {
        lines(replacing(#"\[\d+:\d+\]"#, in: text, with: "[0:0]")).filter { !$0.hasPrefix("#") }
    }

    static func nft(_ text: String) -> [String] {
        lines(replacing(#"packets \d+ bytes \d+"#, in: text, with: "packets * bytes *"))
    }

    /// `relative/path mode size content` for every file under `root` (content of small files only).
    static func files(_ root: String) -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { return ["<missing>"] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            let path = root + "/" + rel
            let attrs = (try? fm.attributesOfItem(atPath: path)) ?? [:]
            let type = (attrs[.type] as? FileAttributeType) ?? .typeUnknown
            let mode = String((attrs[.posixPermissions] as? Int) ?? 0, radix: 8)
            if type == .typeDirectory {
                out.append("\(rel)/ \(mode)")
            } else {
                let data = fm.contents(atPath: path) ?? Data()
                var content = data.count <= 4096 ? String(decoding: data, as: UTF8.self).debugDescription : "<\(data.count) bytes>"
                if rel.split(separator: "/").last?.hasPrefix("last_reserved_ip.") == true { content = "<hint>" }
                out.append("\(rel) \(mode) \(content)")
            }
        }
        return out.sorted()
    }
}
