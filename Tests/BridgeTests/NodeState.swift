import CNITestSupport
import Foundation

/// What users look at after an ADD, with names, MACs and ifindexes taken out.
struct NodeState: Equatable, CustomStringConvertible {
    var podAddresses: [String] = []
    var podRoutes: [String] = []
    var podLink: [String] = []
    var podSysctls: [String] = []
    var bridgeAddresses: [String] = []
    var bridgeLink: [String] = []
    var hostPort: [String] = []
    var nodeSysctls: [String] = []
    var natRules: [String] = []

    init(node: TestNode, pod: TestNamespace, bridge: String) throws {
        let ifname = "eth0"
        podAddresses = globalAddresses(try pod.ip(["-o", "addr", "show", "dev", ifname]))
        podRoutes = try (pod.ip(["route", "show"]) + pod.ip(["-6", "route", "show"])).split(separator: "\n")
            .map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("fe80") && !$0.hasPrefix("multicast") && !$0.hasPrefix("ff00") }
            .sorted()
        podLink = linkFacts(try pod.ip(["-d", "-o", "link", "show", "dev", ifname]), ["mtu", "state"])
        podSysctls = try ["net/ipv4/conf/eth0/arp_notify", "net/ipv6/conf/eth0/accept_dad"].map {
            "\($0)=\(try pod.run(["cat", "/proc/sys/" + $0]).trimmingCharacters(in: .whitespacesAndNewlines))"
        }
        bridgeAddresses = globalAddresses(try node.ip(["-o", "addr", "show", "dev", bridge]))
        bridgeLink = linkFacts(try node.ip(["-d", "-o", "link", "show", "dev", bridge]),
                               ["mtu", "state", "vlan_filtering", "nf_call_iptables", "stp_state"])
        let port = try node.veths().first ?? "none"
        hostPort = linkFacts(try node.ip(["-d", "-o", "link", "show", "dev", port]),
                             ["mtu", "master", "state", "hairpin", "isolated", "learning"])
        nodeSysctls = try ["net/ipv4/ip_forward", "net/ipv6/conf/\(bridge)/accept_ra"].map {
            "\($0)=\(try node.run(["cat", "/proc/sys/" + $0]).trimmingCharacters(in: .whitespacesAndNewlines))"
        }
        natRules = try node.cniNatRules().sorted()
    }

    var description: String {
        [podAddresses, podRoutes, podLink, podSysctls, bridgeAddresses, bridgeLink, hostPort, nodeSysctls, natRules]
            .map { $0.joined(separator: " | ") }.joined(separator: "\n")
    }
}

/// `inet 10.99.0.2/24` / `inet6 fd00::2/64` of global scope from `ip -o addr show`.
private func globalAddresses(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line -> String? in
        let w = line.split(separator: " ").map(String.init)
        guard let i = w.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), i + 1 < w.count,
              line.contains("scope global") else { return nil }
        return "\(w[i]) \(w[i + 1])"
    }.sorted()
}

/// `key value` pairs (state appears twice in -d output: both are kept, in order).
private func linkFacts(_ text: String, _ keys: [String]) -> [String] {
    let w = text.split(whereSeparator: { $0 == " " || $0 == "\\" }).map(String.init)
    var out: [String] = []
    for (i, word) in w.enumerated() where keys.contains(word) && i + 1 < w.count {
        out.append("\(word) \(w[i + 1])")
    }
    return out
}
