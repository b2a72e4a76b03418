import CNINetlink
import CNISystem
import XCTest
@testable import CNIInspect

/// Matching a host veth to its pod end: ifindexes repeat across namespaces, the netns id decides.
final class LinkMatchTests: XCTestCase {
    private func end(_ path: String, nsid: Int32?, index: Int32, peer: Int32) throws -> LinkCollector.PodEnd {
        let identity = try XCTUnwrap(FileIdentity(path: "/"))
        return LinkCollector.PodEnd(netns: NamespaceScanner.Found(path: path, identity: identity), nsid: nsid,
                                    link: Link(index: index, name: "eth0", kind: "veth", parentIndex: peer, linkNetnsID: 0))
    }

    private let collector = LinkCollector(node: nil, nodePath: "/nonexistent")

    func testNetnsIDPicksThePeerAmongEqualIndexes() throws {
        var notes: [String] = []
        let host = Link(index: 7, name: "veth1", kind: "veth", parentIndex: 2, linkNetnsID: 4)
        let pods = [try end("/run/netns/a", nsid: 3, index: 2, peer: 7), try end("/run/netns/b", nsid: 4, index: 2, peer: 7)]
        let port = collector.match(host, pods: pods, notes: &notes)
        XCTAssertEqual(port.match, .exact)
        XCTAssertEqual(port.pod?.netns, "/run/netns/b")
    }

    func testEqualIndexesInAnotherNetnsAreNoMatch() throws {
        // The peer's netns is visible nowhere; another netns merely has the same ifindexes.
        var notes: [String] = []
        let host = Link(index: 7, name: "veth1", kind: "veth", parentIndex: 2, linkNetnsID: 4)
        for other in [try end("/run/netns/a", nsid: 3, index: 2, peer: 7), try end("/run/netns/c", nsid: nil, index: 2, peer: 7)] {
            let port = collector.match(host, pods: [other], notes: &notes)
            XCTAssertEqual(port.match, BridgePort.Match.none, "\(other.netns.path)")
            XCTAssertNil(port.pod)
        }
    }

    func testWithoutANetnsIDTheIndexesDecide() throws {
        var notes: [String] = []
        let host = Link(index: 7, name: "veth1", kind: "veth", parentIndex: 2)
        let port = collector.match(host, pods: [try end("/run/netns/a", nsid: nil, index: 2, peer: 7)], notes: &notes)
        XCTAssertEqual(port.match, .unique)
    }
}
