import CNITestSupport
import XCTest

/// A test case with a fresh node netns (`BridgeNode`) per test, removed even when the test fails.
class BridgeNodeTestCase: XCTestCase {
    var node: BridgeNode?

    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        node = try BridgeNode()
    }

    override func tearDown() {
        node?.cleanUp()
        node = nil
    }
}
