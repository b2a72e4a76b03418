import CNITestSupport
import XCTest

/// A test case with a fresh `TestNode` per test, removed even when the test fails.
class BridgeNodeTestCase: XCTestCase {
    var node: TestNode?

    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        node = try TestNode(prefix: "br")
    }

    override func tearDown() {
        node?.delete()
        node = nil
    }
}
