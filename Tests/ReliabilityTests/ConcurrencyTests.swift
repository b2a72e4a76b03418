import CNITestSupport
import Foundation
import XCTest

/// 100 pods through kube-flannel's conflist (flannel → bridge + host-local, then portmap with one
/// hostPort per pod), added and then deleted by 8 parallel workers through the libcni-style runner,
/// inside a private node netns. Checks the kernel state and the stores after each phase.
final class ConcurrencyTests: XCTestCase {
    static let podCount = 100
    static let workers = 8

    func testHundredPodsAddedAndDeletedByEightWorkers() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relcc")
        defer { node.delete() }
        let conflist = try node.writeFlannelConflist()
        let pods = try (0..<Self.podCount).map { _ in try node.newPod(loopbackUp: true) }
        let podPaths = pods.map(\.path)
        let id: @Sendable (Int) -> String = { "relcc-pod-\($0)" }
        let hostPort: @Sendable (Int) -> Int = { 20000 + $0 }

        // ADD, 8 at a time.
        let adds = try Workers.run(count: Self.podCount, workers: Self.workers) { i in
            let caps = #"{"portMappings":[{"hostPort":\#(hostPort(i)),"containerPort":80,"protocol":"tcp"}]}"#
            return try node.exec("add", conflist: conflist, netns: podPaths[i], id: id(i), capArgs: caps)
        }
        var addresses: [String] = []
        for (i, r) in adds.enumerated() {
            guard r.succeeded else {
                XCTFail("ADD of pod \(i) failed: \(r.summary)")
                continue
            }
            let result = try PluginResult.decode(r.stdoutText)
            let ips = result.ips ?? []
            XCTAssertEqual(ips.count, 1, "pod \(i): \(r.stdoutText)")
            let address = ips.first?.address ?? "?"
            XCTAssertTrue(address.hasPrefix("10.244.1.") && address.hasSuffix("/24"), "pod \(i): \(address)")
            addresses.append(address)
        }
        XCTAssertEqual(Set(addresses).count, addresses.count, "duplicate pod IPs: \(addresses.sorted())")
        XCTAssertEqual(addresses.count, Self.podCount)

        // Every pod is configured: its address on eth0 and a default route via the bridge.
        for (i, r) in adds.enumerated() where r.succeeded {
            let ip = Self.address(in: r.stdoutText)
            let eth0 = try pods[i].ip(["-4", "-o", "addr", "show", "dev", "eth0"])
            XCTAssertTrue(eth0.contains("inet \(ip) "), "pod \(i) eth0: \(eth0)")
            let routes = try pods[i].ip(["-4", "route", "show", "default"])
            XCTAssertTrue(routes.contains("default via 10.244.1.1 dev eth0"), "pod \(i) routes: \(routes)")
        }

        // The node: one veth per pod on cni0, one reservation and one saved config per pod,
        // one DNAT per pod to its own address.
        let veths = try node.nodeLinks().filter { $0 != "lo" && $0 != "cni0" }
        XCTAssertEqual(veths.count, Self.podCount, "veths: \(veths)")
        XCTAssertEqual(try node.ip(["-o", "link", "show", "master", "cni0"]).split(separator: "\n").count, Self.podCount)
        XCTAssertEqual(node.reservations().count, Self.podCount)
        XCTAssertEqual(node.flannelFiles().count, Self.podCount)
        let nat = try node.natTable()
        XCTAssertEqual(Set(TestNode.perContainerChains(nat).filter { $0.hasPrefix("CNI-DN-") }).count, Self.podCount)
        for (i, r) in adds.enumerated() where r.succeeded {
            let ip = Self.address(in: r.stdoutText).split(separator: "/").first.map(String.init) ?? "?"
            XCTAssertTrue(nat.contains("--dport \(hostPort(i)) -j DNAT --to-destination \(ip):80"),
                          "pod \(i): no DNAT \(hostPort(i)) → \(ip):80")
        }

        // DEL, 8 at a time (the runner replays the cached result and capability args).
        let dels = try Workers.run(count: Self.podCount, workers: Self.workers) { i in
            try node.exec("del", conflist: conflist, netns: podPaths[i], id: id(i))
        }
        for (i, r) in dels.enumerated() {
            XCTAssertTrue(r.succeeded, "DEL of pod \(i) failed: \(r.summary)")
        }

        // Nothing left but the bridge.
        XCTAssertEqual(try node.nodeLinks(), ["lo", "cni0"])
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix(".") }, [], "temp files left")
        XCTAssertEqual(node.flannelFiles(), [])
        XCTAssertEqual(TestNode.files(in: node.cacheDir + "/results"), [])
        let natAfter = try node.natTable()
        XCTAssertEqual(TestNode.perContainerChains(natAfter), [], natAfter)
        XCTAssertFalse(natAfter.contains("id: \\\""), "pod rules left:\n\(natAfter)")
        XCTAssertFalse(natAfter.contains("--to-destination 10.244."), "DNAT rules left:\n\(natAfter)")
        for (i, pod) in pods.enumerated() {
            XCTAssertEqual(TestNode.linkNames(try pod.ip(["-o", "link", "show"])), ["lo"], "pod \(i)")
        }
    }

    /// The first `ips[].address` of a result.
    static func address(in result: String) -> String {
        (try? PluginResult.decode(result))?.ips?.first?.address ?? "?"
    }
}
