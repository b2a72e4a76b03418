import XCTest

@testable import CNIInspect

/// Orphan bandwidth ifbs in a snapshot become one fixable problem each: `ip link del` in the node.
final class OrphanIFBProblemTests: XCTestCase {
    func testEachOrphanIFBIsAFixableProblem() {
        var s = SnapshotFixtures.healthy()
        s.orphanIFBs = ["bwp0123456789ab", "bwp68f1f1eeb62c"]
        let found = ProblemFinder(snapshot: s).problems()
        XCTAssertEqual(found.map(\.kind), [.orphanIFB, .orphanIFB])
        XCTAssertEqual(found.map(\.subject), ["bwp0123456789ab", "bwp68f1f1eeb62c"])
        XCTAssertEqual(found[0].steps, [.deleteLink(name: "bwp0123456789ab")])
        XCTAssertEqual(found[0].steps[0].command(in: CleanupStep.Context(nodeNetns: "/run/netns/n1")),
                       "nsenter --net=/run/netns/n1 ip link del bwp0123456789ab")
        XCTAssertEqual(ProblemFinder(snapshot: SnapshotFixtures.healthy()).problems(), [])
    }
}
