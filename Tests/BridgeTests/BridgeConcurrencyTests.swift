import CNITestSupport
import Foundation
import XCTest

/// Parallel ADDs for different pods, as a runtime starting many pods at once does: the first ones
/// race to create the bridge and put the gateway on it (the reference's plugins#366 "file exists").
final class BridgeConcurrencyTests: XCTestCase {
    func testParallelAddsOnAFreshNodeAllSucceedAndDelCleansUp() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode(prefix: "br")
        defer { node.delete() }
        let config = node.config(extra: ["isDefaultGateway": true, "hairpinMode": true, "ipMasq": true])
        let count = 8
        let pods = try (0..<count).map { _ in try node.newPod() }
        let paths = pods.map(\.path)
        let statuses = ResultBox(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let r = node.run("ADD", id: "par\(i)", netns: paths[i], config: config)
            statuses.set(i, r.status == 0 ? "" : r.stdout + r.stderr)
        }
        XCTAssertEqual(statuses.values, Array(repeating: "", count: count))
        XCTAssertEqual(node.reservations().count, count)
        XCTAssertEqual(try node.veths().count, count)
        let bridge = try node.ip(["addr", "show", "cni0"])
        XCTAssertEqual(bridge.components(separatedBy: "inet 10.99.0.1/24").count, 2, bridge)
        XCTAssertEqual(try node.cniNatRules().filter { $0.hasPrefix("-A POSTROUTING") }.count, count)
        XCTAssertTrue(node.ping(from: pods[0], "10.99.0.1"))

        DispatchQueue.concurrentPerform(iterations: count) { i in
            let r = node.run("DEL", id: "par\(i)", netns: paths[i], config: config)
            statuses.set(i, r.status == 0 ? "" : r.stdout + r.stderr)
        }
        XCTAssertEqual(statuses.values, Array(repeating: "", count: count))
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(try node.veths(), [])
        XCTAssertEqual(try node.cniNatRules(), [])
    }

    func testDualStackWithDADWaitsForUsableAddresses() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode(prefix: "br")
        defer { node.delete() }
        let pod = try node.newPod()
        let config = node.config(extra: ["isDefaultGateway": true, "enabledad": true],
                                 ipamExtra: ["ranges": [[["subnet": "10.97.0.0/24"]], [["subnet": "fd00:97::/64"]]]])
        let r = try node.add(id: "dad", pod: pod, config: config)
        let routes = r.routes ?? []
        XCTAssertTrue(routes.contains(.init(dst: "::/0", gw: "fd00:97::1")), "\(routes)")
        let addr = try pod.ip(["-6", "addr", "show", "dev", "eth0", "scope", "global"])
        XCTAssertTrue(addr.contains("inet6 fd00:97::2/64"), addr)
        XCTAssertFalse(addr.contains("tentative"), "ADD returned only after DAD: \(addr)")
        XCTAssertEqual(try pod.run(["cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"]), "1\n")
        XCTAssertTrue(try pod.ip(["-6", "route", "show"]).contains("default via fd00:97::1 dev eth0"))
        XCTAssertEqual(try node.run(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]), "1\n")
    }
}

/// Per-iteration outcomes written from concurrentPerform.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String]

    init(count: Int) { storage = Array(repeating: "unset", count: count) }

    func set(_ i: Int, _ value: String) {
        lock.lock()
        storage[i] = value
        lock.unlock()
    }

    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
