import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The same config through our binaries and through Debian's reference bridge + host-local
/// (v1.1.1), each in its own node namespace: pod and node state must be equivalent.
final class ReferenceComparisonTests: XCTestCase {
    private var nodes: [TestNode] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(PluginBinaries.hasReferencePlugins, "needs the reference plugins in /usr/lib/cni")
    }

    override func tearDown() {
        for n in nodes { n.delete() }
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

    private func compare(cniVersion: String, extra: JSONValue, ranges: JSONValue? = nil) throws {
        let ours = try TestNode(prefix: "br"), reference = try TestNode(prefix: "br", plugins: .reference)
        nodes = [ours, reference]
        var states: [NodeState] = []
        var results: [PluginResult] = []
        for node in nodes {
            let ipamExtra: JSONValue = ranges.map { ["ranges": $0] } ?? [:]
            let config = node.config(cniVersion: cniVersion, extra: extra, ipamExtra: ipamExtra)
            let pod = try node.newPod()
            let result = try node.add(id: "cmp1", pod: pod, config: config)
            results.append(result)
            states.append(try NodeState(node: node, pod: pod, bridge: extra["bridge"]?.stringValue ?? "cni0"))
            XCTAssertTrue(node.ping(from: pod, ranges == nil ? "10.99.0.1" : "10.98.0.1"), "\(node.plugins) gateway ping")
            let del = node.run("DEL", id: "cmp1", netns: pod.path, config: config)
            XCTAssertEqual(del.status, 0, "\(node.plugins) DEL: \(del.stdout)")
            XCTAssertEqual(try node.veths(), [], "\(node.plugins) left a veth")
            XCTAssertEqual(node.reservations(), [], "\(node.plugins) left a reservation")
            XCTAssertEqual(try node.cniNatRules(), [], "\(node.plugins) left masquerade rules")
        }
        XCTAssertEqual(states[0], states[1])
        if ProcessInfo.processInfo.environment["BRIDGE_TEST_VERBOSE"] != nil { print(states[0]) }
        XCTAssertEqual(results[0].ips, results[1].ips, "ips")
        XCTAssertEqual(results[0].routes, results[1].routes, "routes")
        let names = results.map(\.interfaceNames)
        XCTAssertEqual(names[0].count, names[1].count)
        XCTAssertEqual(names[0].first, names[1].first)
        XCTAssertEqual(names[0].last, names[1].last)
    }
}
