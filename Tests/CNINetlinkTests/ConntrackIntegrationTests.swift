import CNINetlink
import CNISystem
import CNITestSupport
import CNIValues
import XCTest

/// A real UDP conntrack entry, made by traffic between two namespaces of the test's own, seen
/// and deleted over ctnetlink; `conntrack -L` (when installed) confirms it independently.
final class ConntrackIntegrationTests: XCTestCase {
    private var namespaces: [TestNamespace] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
    }

    override func tearDown() {
        for ns in namespaces { ns.delete() }
        namespaces = []
    }

    func testUDPEntryOfAPortIsDeletedAndOthersStay() throws {
        let client = try TestNamespace(loopbackUp: true), server = try TestNamespace(loopbackUp: true)
        namespaces = [client, server]
        let veth = "ct\(UInt32.random(in: 0..<0xFFFF_FFFF) % 100_000)"
        _ = try client.ip(["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", server.name])
        _ = try client.ip(["addr", "add", "10.99.0.1/24", "dev", veth])
        _ = try client.ip(["link", "set", veth, "up"])
        _ = try server.ip(["addr", "add", "10.99.0.2/24", "dev", "eth0"])
        _ = try server.ip(["link", "set", "eth0", "up"])
        // A conntrack match in the server netns makes the kernel track its connections.
        _ = try server.run(["iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT"])
        for port in [5353, 5354] {
            _ = try client.run(["python3", "-c", """
                import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("10.99.0.2", \(port)))
                """])
        }
        let netfilter = try NetlinkSocket.netfilter(in: try NetworkNamespace(path: server.path))
        // The first datagram waits for ARP: poll (bounded) until both entries exist.
        var before: [ConntrackEntry] = []
        for _ in 0..<50 {
            before = try netfilter.conntrackEntries(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5353)
            let other = try netfilter.conntrackEntries(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5354)
            if !before.isEmpty && !other.isEmpty { break }
            usleep(100_000)
        }
        XCTAssertEqual(before.map(\.original.source), [IPAddress("10.99.0.1")!])
        XCTAssertEqual(before.map(\.original.destination), [IPAddress("10.99.0.2")!])
        XCTAssertEqual(try tool(server, port: 5353), 1)

        XCTAssertEqual(try netfilter.deleteConntrack(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5353), 1)
        XCTAssertEqual(try netfilter.conntrackEntries(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5353), [])
        XCTAssertEqual(try tool(server, port: 5353), 0)
        XCTAssertEqual(try netfilter.conntrackEntries(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5354).count, 1,
                       "another port's entry stays")
        XCTAssertEqual(try netfilter.deleteConntrack(family: .v4, protocolNumber: ConntrackEntry.udp, destinationPort: 5353), 0)
    }

    /// Entries `conntrack -L` shows for the port (nil when the tool is not installed).
    private func tool(_ ns: TestNamespace, port: Int) throws -> Int? {
        guard SystemTool.find("conntrack") != nil else { return nil }
        let r = ns.runAllowingFailure(["conntrack", "-L", "-p", "udp", "--orig-port-dst", String(port)])
        return r.stdout.split(separator: "\n").filter { $0.hasPrefix("udp") }.count
    }
}
