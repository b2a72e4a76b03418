import CNITestSupport
import Foundation
import XCTest

/// Many containers at once (the reference fails here with "No chain/target/match by that name",
/// plugins#418): parallel ADDs must not lose each other's entry rules, parallel DELs must all
/// succeed and leave nothing behind.
final class ParallelTests: XCTestCase {
    static let count = 10

    func testParallelAddAndDelIptables() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try exercise(backend: "iptables") { bed in
            let rules = try bed.node.run(["iptables-save", "-t", "nat"]).split(separator: "\n")
            return (rules.filter { $0.hasPrefix(":CNI-DN-") }.count, rules.filter { $0.hasPrefix("-A CNI-HOSTPORT-DNAT ") }.count)
        }
    }

    func testParallelAddAndDelNftables() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try exercise(backend: "nftables") { bed in
            let table = try bed.node.run(["nft", "list", "table", "ip", "cni_hostport"])
            let dnat = table.split(separator: "\n").filter { $0.contains(" dnat to ") }.count
            return (dnat, table.split(separator: "\n").filter { $0.contains("masquerade comment") }.count / 2)
        }
    }

    /// `count` returns (chains or dnat rules, entry rules or masquerade pairs) currently installed.
    private func exercise(backend: String, count: (PortmapTestbed) throws -> (Int, Int)) throws {
        let bed = try PortmapTestbed(withPod: false)
        defer { bed.tearDown() }
        let configs = (0..<Self.count).map { i in
            Portmap.config(extra: ["backend": .string(backend)],
                           mappings: [Portmap.mapping(21000 + i, 80), Portmap.mapping(22000 + i, 53, "udp")],
                           previous: Portmap.previous(address: "10.244.1.\(10 + i)/24"))
        }
        let ids = (0..<Self.count).map { "par\($0)-" + Portmap.randomID() }
        let node = bed.node, podPath = bed.pod.path

        let adds = Self.concurrently(Self.count) { i in Self.run("ADD", configs[i], ids[i], podPath, node) }
        for (i, r) in adds.enumerated() { XCTAssertEqual(r.status, 0, "ADD \(i): \(r.stdout)\(r.stderr)") }
        let (chains, entries) = try count(bed)
        XCTAssertEqual(chains, backend == "iptables" ? Self.count : 2 * Self.count)
        XCTAssertEqual(entries, backend == "iptables" ? 2 * Self.count : Self.count)

        let dels = Self.concurrently(Self.count) { i in Self.run("DEL", configs[i], ids[i], podPath, node) }
        for (i, r) in dels.enumerated() { XCTAssertEqual(r.status, 0, "DEL \(i): \(r.stdout)\(r.stderr)") }
        let (chainsLeft, entriesLeft) = try count(bed)
        XCTAssertEqual(chainsLeft, 0)
        XCTAssertEqual(entriesLeft, 0)
    }

    static func run(_ command: String, _ config: String, _ id: String, _ podPath: String, _ node: TestNode)
        -> (status: Int32, stdout: String, stderr: String)
    {
        Portmap.run(command, config: config, containerID: id, netns: podPath, in: node)
    }

    /// Runs `body(0..<n)` on n threads at once and returns the results in order.
    static func concurrently(_ n: Int, _ body: @escaping @Sendable (Int) -> (status: Int32, stdout: String, stderr: String))
        -> [(status: Int32, stdout: String, stderr: String)]
    {
        let box = ResultBox(n)
        DispatchQueue.concurrentPerform(iterations: n) { i in box.set(i, body(i)) }
        return box.values
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(status: Int32, stdout: String, stderr: String)]

    init(_ n: Int) { items = Array(repeating: (-1, "", ""), count: n) }

    func set(_ i: Int, _ value: (status: Int32, stdout: String, stderr: String)) {
        lock.lock()
        items[i] = value
        lock.unlock()
    }

    var values: [(status: Int32, stdout: String, stderr: String)] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
