import CNITestSupport
import CNIValues
import Foundation
import XCTest

@testable import CNIInspect

/// A plugin built for another architecture (here: a copy of the suite binary whose `e_machine`
/// names the other one, so the kernel itself refuses it with ENOEXEC): cni-inspect names it, says
/// which architecture it is for, and the verdict is "NOT ready".
final class ForeignArchitectureTests: XCTestCase {
    func testPluginOfAnotherArchitectureIsReportedByName() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let current = try XCTUnwrap(ELFMachine.current, "an architecture the suite does not build for")
        let other: ELFMachine = current == .x86_64 ? .aarch64 : .x86_64
        let n = try InstallIntegrationTests.Install()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: n.bin)))
        XCTAssertEqual(ELFMachine.parse(Array(bytes.prefix(64))), current)
        bytes[0x12] = UInt8(other.rawValue & 0xFF)  // little-endian on both
        bytes[0x13] = UInt8(other.rawValue >> 8)
        let path = n.plugins + "/portmap"
        try FileManager.default.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)

        let (status, json, problems) = try n.report()
        XCTAssertEqual(status, 3)
        XCTAssertEqual(problems.map { "\($0.kind) \($0.subject)" }, ["plugin-cannot-start portmap"])
        let summary = problems.first?.summary ?? ""
        XCTAssertTrue(summary.hasPrefix("\(path) does not start on this node: built for \(other), this node runs \(current) ("), summary)
        XCTAssertTrue(summary.lowercased().contains("exec format error"), summary)
        XCTAssertEqual(json.verdict?.ready, false)
        let plugins = json.installation?.plugins ?? []
        XCTAssertEqual(plugins.first { $0.type == "portmap" }?.architecture, other.description)
        XCTAssertEqual(plugins.first { $0.type == "bridge" }?.architecture, current.description)
        let human = n.inspect()
        XCTAssertTrue(human.stdout.hasPrefix("NOT ready: \(path) does not start on this node: built for \(other)"), human.stdout)
    }
}
