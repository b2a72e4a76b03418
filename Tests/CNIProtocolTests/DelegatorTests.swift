import CNIProtocol
import XCTest

final class DelegatorTests: XCTestCase {
    func testFindRejectsBadNamesAndMissingPath() {
        let none = Delegator(environment: CNIEnvironment(command: .add))
        XCTAssertEqual((try? none.find("host-local")) ?? "", "")
        XCTAssertThrowsError(try none.find("host-local")) { XCTAssertEqual(($0 as? CNIError)?.code, 4) }
        let some = Delegator(environment: CNIEnvironment(command: .add, pluginPaths: ["/nonexistent", "/bin"]))
        XCTAssertThrowsError(try some.find("../bin/sh")) { XCTAssertEqual(($0 as? CNIError)?.code, 7) }
        XCTAssertThrowsError(try some.find("")) { XCTAssertEqual(($0 as? CNIError)?.code, 7) }
        XCTAssertThrowsError(try some.find("no-such-plugin-xyz")) { e in
            XCTAssertEqual((e as? CNIError)?.msg, #"failed to find plugin "no-such-plugin-xyz" in path [/nonexistent /bin]"#)
        }
        XCTAssertEqual(try some.find("sh"), "/bin/sh")
    }

    func testDelegateErrorsAreRethrownWithTheirCode() throws {
        // /bin/false exits 1 with no output: a generic error, not a crash.
        let d = Delegator(environment: CNIEnvironment(command: .add, pluginPaths: ["/bin"]))
        XCTAssertThrowsError(try d.invoke(.add, type: "false", config: [])) { e in
            XCTAssertEqual((e as? CNIError)?.code, 999)
        }
    }
}

final class BuildIdentityTests: XCTestCase {
    /// The running test binary has a build-id (the linker's `--build-id`, on by default for
    /// Swift on Linux); a byte-identical copy has the same one, another program a different one.
    func testBuildIDOfThisExecutableAndOfACopy() throws {
        let me = try XCTUnwrap(PluginRegistry.buildID(of: "/proc/self/exe"))
        XCTAssertGreaterThanOrEqual(me.count, 8)
        XCTAssertNil(PluginRegistry.buildID(of: "/nonexistent/plugin"))
        XCTAssertNil(PluginRegistry.buildID(of: "/etc/hostname"))
        if let other = PluginRegistry.buildID(of: "/bin/sh") { XCTAssertNotEqual(other, me) }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("buildid-copy-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: "/proc/self/exe", toPath: copy)
        XCTAssertEqual(PluginRegistry.buildID(of: copy), me)
    }
}
