import CNIValues
/// Reads portmap's and bridge's per-container rules out of `nft -a list ruleset` text (pure):
///
/// - `table ip|ip6 cni_hostport`, chains `hostports` / `hostip_hostports` (mappings) and
///   `masquerading`; every rule commented with the container ID (`containernetworking/plugins:plugins/meta/portmap/portmap_nftables.go`);
/// - `table inet cni_plugins_masquerade`, chain `masq_checks`; comment
///   `<hash>-<hash>, net: <net>, if: <ifname>, id: <cid>` (`containernetworking/plugins:pkg/ip/ipmasq_nftables_linux.go`).
///
/// Other tables (iptables-nft's `ip nat`, …) are skipped.
public enum NftStateParser {
    public static let hostPortTable = "cni_hostport"
    public static let masqueradeTable = "cni_plugins_masquerade"

    public static func parse(_ text: String) -> FirewallState {
        var state = FirewallState()
        var table: (family: String, name: String)?
        var chain: String?
        for raw in TextLines.split(text) {
            let line = raw.trimmingBlanksSubstring()
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if words.first == "table", words.count >= 3 {
                table = (words[1], words[2])
                chain = nil
                continue
            }
            if words.first == "chain", words.count >= 2, table != nil {
                chain = words[1]
                continue
            }
            if line.hasPrefix("}") {
                if chain != nil { chain = nil } else { table = nil }
                continue
            }
            guard let t = table, let c = chain, t.name == hostPortTable || t.name == masqueradeTable,
                  let (body, handle) = splitHandle(line), !body.hasPrefix("type ")
            else { continue }
            let comment = quotedComment(body)
            if t.name == hostPortTable {
                guard let id = comment, !id.isEmpty else { continue }
                let purpose: FirewallArtifact.Purpose = c == "masquerading" ? .masquerade : .hostPort
                state.artifacts.append(FirewallArtifact(containerID: id, network: nil, purpose: purpose,
                                                        item: .nftRule(family: t.family, table: t.name, chain: c, handle: handle, text: body)))
                if purpose == .hostPort, let mapping = mapping(words: tokens(body), containerID: id, chain: c) {
                    state.hostPorts.append(mapping)
                }
            } else {
                guard let comment, let id = field("id", in: comment) else { continue }
                let network = field("net", in: comment)
                state.artifacts.append(FirewallArtifact(containerID: id, network: network, purpose: .masquerade,
                                                        item: .nftRule(family: t.family, table: t.name, chain: c, handle: handle, text: body)))
                let words = tokens(body)
                if let i = words.firstIndex(of: "saddr"), i + 1 < words.count {
                    state.masquerades.append(MasqueradeEntry(containerID: id, network: network, backend: .nftables,
                                                             source: words[i + 1], chain: c))
                }
            }
        }
        return state
    }

    /// `<body> # handle <n>` → (body, n).
    static func splitHandle(_ line: Substring) -> (String, Int)? {
        guard let hash = line.lastIndex(of: "#") else { return nil }
        let tail = line[line.index(after: hash)...].split(separator: " ")
        guard tail.count == 2, tail[0] == "handle", let handle = Int(tail[1]) else { return nil }
        return (String(line[..<hash]).trimmingBlanks(), handle)
    }

    /// The text of `comment "<text>"`, if any (nft comments cannot contain `"`).
    static func quotedComment(_ body: String) -> String? {
        guard let r = body.firstRange(of: "comment \"") else { return nil }
        let rest = body[r.upperBound...]
        guard let close = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<close])
    }

    /// The words before the comment.
    static func tokens(_ body: String) -> [String] {
        let head = body.firstRange(of: "comment \"").map { body[..<$0.lowerBound] } ?? body[...]
        return head.split(separator: " ").map(String.init)
    }

    /// `[ip daddr X] tcp dport 8080 dnat [ip] to 10.244.1.3:80`
    static func mapping(words: [String], containerID: String, chain: String) -> HostPortMapping? {
        guard let d = words.firstIndex(of: "dport"), d > 0, d + 1 < words.count, let port = Int(words[d + 1]),
              let to = words.firstIndex(of: "to"), to + 1 < words.count
        else { return nil }
        var hostIP: String?
        if let a = words.firstIndex(of: "daddr"), a + 1 < words.count, a < d { hostIP = words[a + 1] }
        return HostPortMapping(containerID: containerID, network: nil, backend: .nftables, protocol: words[d - 1],
                               hostIP: hostIP, hostPort: port, destination: words[to + 1], chain: chain)
    }

    /// `id` from `…, net: cbr0, if: eth0, id: c2`.
    static func field(_ name: String, in comment: String) -> String? {
        for part in comment.split(separator: ",") {
            let p = part.trimmingBlanksSubstring()
            if p.hasPrefix(name + ": ") { return String(p.dropFirst(name.count + 2)) }
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingBlanksSubstring() -> Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { return "" }
        guard let last = s.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { return "" }
        return Substring(s[first...last])
    }
}
