import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Side by side: our flannel with our bridge + host-local on one node, our flannel with
/// Debian's reference bridge + host-local (/usr/lib/cni, v1.1.1) on another — i.e. the reference
/// delegates invoked with the delegate JSON our flannel generated. Same delegate JSON, same
/// result, equivalent node and pod state.
final class FlannelReferenceComparisonTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(PluginBinaries.hasReferencePlugins, "needs Debian's containernetworking-plugins in /usr/lib/cni")
    }

    /// What a user looks at on a flannel node, with names, MACs, indexes and timers removed.
    struct NodeState: Equatable {
        var podAddresses: [String]
        var podLink: [String]
        var podRoutes: String
        var bridgeAddresses: [String]
        var bridgeLink: [String]
        var nodeRoutes: String
        var bridgePorts: [String]
        var forwarding: String
        var firewall: [String]
        var store: [String: String]
    }

    private static func inetLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("inet ") }
    }

    /// `mtu`, flags and selected `-d` details (key + value) of one link.
    private static func linkFacts(_ text: String, keys: [String]) -> [String] {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        var facts: [String] = tokens.filter { $0.hasPrefix("<") && $0.hasSuffix(">") }
        for (i, t) in tokens.enumerated() where keys.contains(t) && i + 1 < tokens.count {
            facts.append("\(t) \(tokens[i + 1])")
        }
        return facts
    }

    private func state(_ n: TestNode, pod: TestNamespace, ports: [String]) throws -> NodeState {
        let linkKeys = ["mtu", "state", "promiscuity", "master", "hairpin", "learning", "flood", "isolated",
                        "stp_state", "vlan_filtering", "vlan_protocol", "mcast_snooping", "forward_delay", "ageing_time",
                        "addrgenmode", "qdisc", "qlen"]
        let portDetails = try ports.map { port in
            Self.linkFacts(try n.ip(["-d", "link", "show", port]), keys: linkKeys).joined(separator: " ")
                + " | " + Self.linkFacts(try Command.check(["bridge", "-n", n.name, "-d", "link", "show", "dev", port]),
                                         keys: linkKeys).joined(separator: " ")
        }
        let firewall = try ["nat", "filter", "mangle"].flatMap { table in
            try n.run(["iptables-save", "-t", table]).split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("#") }
                .map { $0.replacingOccurrences(of: #"\[\d+:\d+\]"#, with: "", options: .regularExpression) }
        }
        var store: [String: String] = [:]
        let storeDir = "\(n.ipamDir)/cbr0"
        for name in try FileManager.default.contentsOfDirectory(atPath: storeDir) where name != "lock" && name != "boot_id" {  // boot_id: ours only
            store[name] = try String(contentsOfFile: "\(storeDir)/\(name)", encoding: .utf8)
        }
        return NodeState(
            podAddresses: Self.inetLines(try pod.ip(["addr", "show", "dev", "eth0"])),
            podLink: Self.linkFacts(try pod.ip(["-d", "link", "show", "eth0"]), keys: linkKeys),
            podRoutes: try pod.ip(["route"]),
            bridgeAddresses: Self.inetLines(try n.ip(["addr", "show", "dev", "cni0"])),
            bridgeLink: Self.linkFacts(try n.ip(["-d", "link", "show", "cni0"]), keys: linkKeys),
            nodeRoutes: try n.ip(["route"]),
            bridgePorts: portDetails,
            forwarding: try n.run(["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.conf.cni0.forwarding"]),
            firewall: firewall,
            store: store)
    }

    /// The result without what necessarily differs (MACs, veth name, sandbox path).
    private func normalized(_ result: JSONObject?, pod: TestNamespace) -> String {
        guard var r = result else { return "no result" }
        r["dns"] = JSONValue?.none
        let interfaces = (r["interfaces"]?.arrayValue ?? []).map { i -> JSONValue in
            guard var o = i.objectValue else { return i }
            o["mac"] = o["mac"] == nil ? JSONValue?.none : "MAC"
            if let name = o["name"]?.stringValue, name.hasPrefix("veth") { o["name"] = "vethX" }
            if o["sandbox"]?.stringValue == pod.path { o["sandbox"] = "POD" }
            return .object(o)
        }
        r["interfaces"] = .array(interfaces)
        return JSONSerializer.string(.object(r), sortedKeys: true)
    }

    func testOurChainAndTheReferenceChainAgree() throws {
        let env = TestNode.vxlanSubnetEnv
        let ours = try TestNode.flannel(subnetEnv: env)
        let reference = try TestNode.flannel(subnetEnv: env)
        try reference.useReferenceDelegates()
        let ourPod = try ours.newPod(loopbackUp: true)
        let refPod = try reference.newPod(loopbackUp: true)
        let id = "0123456789abcdef"
        let a = ours.flannel("ADD", pod: ourPod, containerID: id, config: ours.config(version: "1.0.0"))
        let b = reference.flannel("ADD", pod: refPod, containerID: id, config: reference.config(version: "1.0.0"))
        XCTAssertEqual(a.status, 0, a.stdout + a.stderr)
        XCTAssertEqual(b.status, 0, b.stdout + b.stderr)

        // The same delegate JSON (it names each node's own host-local dataDir).
        let ourJSON = try XCTUnwrap(ours.saved(id))
        let refJSON = try XCTUnwrap(reference.saved(id))
        XCTAssertEqual(ourJSON.replacingOccurrences(of: ours.ipamDir, with: "D"),
                       refJSON.replacingOccurrences(of: reference.ipamDir, with: "D"))
        XCTAssertEqual(ourJSON.replacingOccurrences(of: ours.ipamDir, with: "D"),
                       #"{"cniVersion":"1.0.0","hairpinMode":true,"ipMasq":false,"ipam":{"dataDir":"D","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}"#)

        XCTAssertEqual(normalized(a.json, pod: ourPod), normalized(b.json, pod: refPod))
        let ourState = try state(ours, pod: ourPod, ports: try ours.bridgePorts())
        let refState = try state(reference, pod: refPod, ports: try reference.bridgePorts())
        if ourState != refState { print("flannel comparison:\n ours      \(ourState)\n reference \(refState)") }
        XCTAssertEqual(ourState.podAddresses, refState.podAddresses)
        XCTAssertEqual(ourState.podLink, refState.podLink)
        XCTAssertEqual(ourState.podRoutes, refState.podRoutes)
        XCTAssertEqual(ourState.bridgeAddresses, refState.bridgeAddresses)
        XCTAssertEqual(ourState.bridgeLink, refState.bridgeLink)
        XCTAssertEqual(ourState.nodeRoutes, refState.nodeRoutes)
        XCTAssertEqual(ourState.bridgePorts, refState.bridgePorts)
        XCTAssertEqual(ourState.forwarding, refState.forwarding)
        XCTAssertEqual(ourState.firewall, refState.firewall)
        XCTAssertEqual(ourState.store, refState.store)
        XCTAssertEqual(ourState.podAddresses, ["inet 10.244.1.2/24 brd 10.244.1.255 scope global eth0"])

        // DEL on both: same clean state.
        XCTAssertEqual(ours.flannel("DEL", pod: ourPod, containerID: id, config: ours.config(version: "1.0.0")).status, 0)
        XCTAssertEqual(reference.flannel("DEL", pod: refPod, containerID: id, config: reference.config(version: "1.0.0")).status, 0)
        for n in [ours, reference] {
            XCTAssertEqual(try n.bridgePorts(), [])
            XCTAssertNil(n.saved(id))
            let left = try FileManager.default.contentsOfDirectory(atPath: "\(n.ipamDir)/cbr0").filter { $0.hasPrefix("10.") }
            XCTAssertEqual(left, [])
        }
    }
}
