import CNISystem
import CNITestSupport
import XCTest

final class NetworkNamespaceTests: XCTestCase {
    func testMissingPathIsENOENT() {
        XCTAssertThrowsError(try NetworkNamespace(path: "/var/run/netns/does-not-exist")) { error in
            XCTAssertEqual((error as? SystemError)?.errno, .noSuchFileOrDirectory)
        }
    }

    func testNonNamespaceFileIsUnknownFSMagic() {
        XCTAssertThrowsError(try NetworkNamespace(path: "/tmp")) { error in
            guard let e = error as? SystemError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.errno, .invalidArgument)
            XCTAssertTrue(e.operation.hasPrefix("unknown FS magic on \"/tmp\": "), e.operation)
        }
    }

    func testCurrentIsSameAsProcSelf() throws {
        let a = try NetworkNamespace.current()
        let b = try NetworkNamespace(path: "/proc/self/ns/net")
        XCTAssertTrue(a.isSame(as: b))
    }

    func testRunSwitchesInAndBack() throws {
        try XCTSkipUnless(getuid() == 0, "needs root: creates network namespaces")
        let ns = try TestNamespace()
        defer { ns.delete() }
        let target = try NetworkNamespace(path: ns.path)
        let host = try NetworkNamespace.current()
        XCTAssertFalse(host.isSame(as: target))

        let insideInode = try target.run { () throws -> UInt64? in
            let inside = try NetworkNamespace.current()
            XCTAssertTrue(inside.isSame(as: target))
            return inside.inode
        }
        XCTAssertEqual(insideInode, target.inode)
        XCTAssertNotEqual(insideInode, host.inode)
        XCTAssertTrue(try NetworkNamespace.current().isSame(as: host))

        struct Boom: Error {}
        XCTAssertThrowsError(try target.run { throw Boom() })
        XCTAssertTrue(try NetworkNamespace.current().isSame(as: host), "must switch back when body throws")
    }
}
