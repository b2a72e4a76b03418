import CNITestSupport
import Foundation
import XCTest

/// The same config through our binaries and through Debian's reference bridge + host-local
/// (v1.1.1), each in its own node namespace: pod and node state must be equivalent.
final class ReferenceComparisonTests: XCTestCase {
    private var nodes: [BridgeNode] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(PluginBinaries.hasReferencePlugins, "needs the reference plugins in /usr/lib/cni")
    }

    override func tearDown() {
        for n in nodes { n.cleanUp() }
        nodes.removeAll()
    }

    func testFlannelDelegateConfig() throws {
        // What flannel hands the bridge plugin (kube-flannel's cniVersion 0.3.1).
        try compare(cniVersion: "0.3.1", extra: ["isDefaultGateway": true, "hairpinMode": true, "mtu": 1450, "ipMasq": true])
    }

    func testGatewayWithoutDefaultRouteAndDualStack() throws {
        try compare(cniVersion: "1.0.0", extra: ["bridge": "br-cmp", "isGateway": true, "ipMasq": true, "mtu": 1400],
                    ranges: [[["subnet": "10.98.0.0/24"]], [["subnet": "fd00:98::/64"]]])
    }

    private func compare(cniVersion: String, extra: [String: Any], ranges: [[[String: String]]]? = nil) throws {
        let ours = try BridgeNode(.ours), reference = try BridgeNode(.reference)
        nodes = [ours, reference]
        var states: [NodeState] = []
        var results: [[String: Any]] = []
        for node in nodes {
            let ipamExtra: [String: Any] = ranges.map { ["ranges": $0] } ?? [:]
            let config = node.config(cniVersion: cniVersion, extra: extra, ipamExtra: ipamExtra)
            let pod = try node.makePod()
            let result = try node.add(id: "cmp1", pod: pod, config: config)
            results.append(result)
            states.append(try NodeState(node: node, pod: pod, bridge: extra["bridge"] as? String ?? "cni0"))
            XCTAssertTrue(node.ping(from: pod, ranges == nil ? "10.99.0.1" : "10.98.0.1"), "\(node.implementation) gateway ping")
            let del = node.run("DEL", id: "cmp1", netns: pod.path, config: config)
            XCTAssertEqual(del.status, 0, "\(node.implementation) DEL: \(del.stdout)")
            XCTAssertEqual(try node.veths(), [], "\(node.implementation) left a veth")
            XCTAssertEqual(node.reservations(), [], "\(node.implementation) left a reservation")
            XCTAssertEqual(try node.cniNatRules(), [], "\(node.implementation) left masquerade rules")
        }
        XCTAssertEqual(states[0], states[1])
        for key in ["ips", "routes"] {
            XCTAssertEqual(normalized(results[0][key]), normalized(results[1][key]), key)
        }
        let names = results.map { (($0["interfaces"] as? [[String: Any]]) ?? []).map { $0["name"] as? String ?? "" } }
        XCTAssertEqual(names[0].count, names[1].count)
        XCTAssertEqual(names[0].first, names[1].first)
        XCTAssertEqual(names[0].last, names[1].last)
    }

    private func normalized(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "nil" }
        return String(decoding: data, as: UTF8.self)
    }
}

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

    init(node: BridgeNode, pod: TestNamespace, bridge: String) throws {
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
        bridgeAddresses = globalAddresses(try node.namespace.ip(["-o", "addr", "show", "dev", bridge]))
        bridgeLink = linkFacts(try node.namespace.ip(["-d", "-o", "link", "show", "dev", bridge]),
                               ["mtu", "state", "vlan_filtering", "nf_call_iptables", "stp_state"])
        let port = try node.veths().first ?? "none"
        hostPort = linkFacts(try node.namespace.ip(["-d", "-o", "link", "show", "dev", port]),
                             ["mtu", "master", "state", "hairpin", "isolated", "learning"])
        nodeSysctls = try ["net/ipv4/ip_forward", "net/ipv6/conf/\(bridge)/accept_ra"].map {
            "\($0)=\(try node.namespace.run(["cat", "/proc/sys/" + $0]).trimmingCharacters(in: .whitespacesAndNewlines))"
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
