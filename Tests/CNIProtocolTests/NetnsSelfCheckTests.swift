import CNIProtocol
import CNISystem
import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The CNI_NETNS self-check as `PluginMain` applies it, without root: the "plugin's own netns"
/// is the identity of a temp file given as `ownNetns`, and CNI_NETNS names that file (or another).
/// The integration tests with real namespaces are in ReliabilityTests/OwnNetnsTests.swift.
final class NetnsSelfCheckTests: XCTestCase {
    /// Records the verbs and the netns state the plugin was called with.
    final class Recorder: CNIPlugin, @unchecked Sendable {
        let name = "recorder"
        private let lock = NSLock()
        private var seen: [(String, PodNetns)] = []
        var failure: CNIError?

        var calls: [(String, PodNetns)] {
            lock.lock()
            defer { lock.unlock() }
            return seen
        }

        private func note(_ verb: String, _ context: PluginContext) throws {
            lock.lock()
            seen.append((verb, context.podNetns))
            lock.unlock()
            if let failure { throw failure }
        }

        func add(_ context: PluginContext) throws -> CNIResult {
            try note("ADD", context)
            return CNIResult()
        }
        func del(_ context: PluginContext) throws { try note("DEL", context) }
        func check(_ context: PluginContext) throws { try note("CHECK", context) }
    }

    private var dir: TemporaryDirectory!
    private var ownFile = ""
    private var otherFile = ""
    private var own: NamespaceIdentity?

    override func setUpWithError() throws {
        dir = try TemporaryDirectory(prefix: "nsck")
        ownFile = dir.file("own")
        otherFile = dir.file("other")
        try "".write(toFile: ownFile, atomically: false, encoding: .utf8)
        try "".write(toFile: otherFile, atomically: false, encoding: .utf8)
        own = try NamespaceIdentity.of(path: ownFile)
    }

    override func tearDown() {
        dir = nil  // XCTest keeps every test case object until the end: remove the directory now
    }

    private func run(_ plugin: Recorder, _ command: String, netns: String?, override: String? = nil,
                     own: NamespaceIdentity?? = nil) -> (code: Int32, json: JSONValue?, text: String) {
        var env = ["CNI_COMMAND": command, "CNI_CONTAINERID": "c1", "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]
        env["CNI_NETNS"] = netns
        env["CNI_NETNS_OVERRIDE"] = override
        let stdin = #"{"cniVersion":"1.0.0","name":"cbr0","type":"recorder"}"#
        let o = PluginMain.execute(plugin, environment: env, ownNetns: own ?? self.own) { Array(stdin.utf8) }
        let text = String(decoding: o.stdout, as: UTF8.self)
        return (o.exitCode, try? JSONParser.parse(text), text)
    }

    private func assertOwnNetnsError(_ r: (code: Int32, json: JSONValue?, text: String), _ what: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.code, 1, what, file: file, line: line)
        XCTAssertEqual(r.json?["code"], 8, "\(what): \(r.text)", file: file, line: line)
        XCTAssertEqual(r.json?["msg"], "plugin's netns and netns from CNI_NETNS should not be the same", what, file: file, line: line)
        XCTAssertNil(r.json?["details"], "\(what): the reference gives no details", file: file, line: line)
        XCTAssertNotNil(r.json, "\(what): stdout is exactly one JSON document: \(r.text)", file: file, line: line)
    }

    func testAddAndCheckAreRefusedBeforeThePluginRuns() {
        let p = Recorder()
        assertOwnNetnsError(run(p, "ADD", netns: ownFile), "ADD")
        assertOwnNetnsError(run(p, "CHECK", netns: ownFile), "CHECK")
        XCTAssertTrue(p.calls.isEmpty, "the plugin never ran: \(p.calls)")
    }

    func testDelRunsHostSideOnlyThenReportsCode8() {
        let p = Recorder()
        assertOwnNetnsError(run(p, "DEL", netns: ownFile), "DEL")
        XCTAssertEqual(p.calls.map(\.0), ["DEL"])
        XCTAssertEqual(p.calls.first?.1, .pluginsOwn(ownFile))
    }

    func testDelCleanupFailureIsReportedFirst() {
        let p = Recorder()
        p.failure = CNIError(code: 999, "iptables-restore failed")
        let r = run(p, "DEL", netns: ownFile)
        XCTAssertEqual(r.json?["code"], 999, "the host-side failure tells what is left: \(r.text)")
    }

    func testAnotherNetnsAnEmptyOrAVanishedOneAreUnaffected() {
        let p = Recorder()
        XCTAssertEqual(run(p, "ADD", netns: otherFile).code, 0)
        XCTAssertEqual(run(p, "DEL", netns: nil).code, 0, "DEL with no CNI_NETNS")
        XCTAssertEqual(run(p, "DEL", netns: "").code, 0, "DEL with an empty CNI_NETNS")
        XCTAssertEqual(run(p, "DEL", netns: dir.file("gone")).code, 0, "DEL with a vanished CNI_NETNS")
        XCTAssertEqual(p.calls.map(\.1), [.pod(otherFile), .absent, .absent, .pod(dir.file("gone"))])
    }

    /// The check looks at CNI_NETNS without opening it: a FIFO there (which an open would block
    /// on) does not hang host-local's or portmap's DEL, which never open it either.
    func testAFifoAsCNINetnsIsNotOpened() throws {
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let p = Recorder()
        XCTAssertEqual(run(p, "DEL", netns: fifo).code, 0)
        XCTAssertEqual(p.calls.map(\.1), [.pod(fifo)])
    }

    func testOverrideSkipsTheCheck() {
        for value in ["1", "true", "TRUE", "True"] {
            let p = Recorder()
            XCTAssertEqual(run(p, "ADD", netns: ownFile, override: value).code, 0, "override \(value)")
            XCTAssertEqual(run(p, "DEL", netns: ownFile, override: value).code, 0, "override \(value)")
            XCTAssertEqual(p.calls.map(\.1), [.pod(ownFile), .pod(ownFile)])
        }
        for value in ["0", "false", "yes", "on", " 1", "1 ", "", "truee"] {
            assertOwnNetnsError(run(Recorder(), "ADD", netns: ownFile, override: value), "override \(value.debugDescription) does not skip")
        }
    }

    func testOverrideParsing() {
        XCTAssertTrue(NetnsSelfCheck.isOverridden("1"))
        XCTAssertTrue(NetnsSelfCheck.isOverridden("tRuE"))
        for value in [nil, "", "0", "2", "yes", "on", "y", "t", " true", "01"] {
            XCTAssertFalse(NetnsSelfCheck.isOverridden(value), "\(value.debugDescription)")
        }
    }

    func testUnreadableOwnNetnsFailsWithTheReferenceMessage() {
        let p = Recorder()
        let r = run(p, "ADD", netns: otherFile, own: .some(nil))
        XCTAssertEqual(r.json?["code"], 8)
        XCTAssertEqual(r.json?["msg"], "get plugin's netns failed")
        XCTAssertTrue(p.calls.isEmpty)
        XCTAssertEqual(run(p, "DEL", netns: "", own: .some(nil)).code, 0, "nothing to compare: no need to know")
    }

    func testClassifyIsPure() throws {
        let a = NamespaceIdentity(device: 4, inode: 4026531840), b = NamespaceIdentity(device: 4, inode: 4026532000)
        XCTAssertEqual(try NetnsSelfCheck.classify(path: "", overridden: false, target: nil, own: a), .absent)
        XCTAssertEqual(try NetnsSelfCheck.classify(path: "/p", overridden: false, target: b, own: a), .pod("/p"))
        XCTAssertEqual(try NetnsSelfCheck.classify(path: "/p", overridden: false, target: a, own: a), .pluginsOwn("/p"))
        XCTAssertEqual(try NetnsSelfCheck.classify(path: "/p", overridden: true, target: a, own: a), .pod("/p"))
        XCTAssertEqual(try NetnsSelfCheck.classify(path: "/p", overridden: false, target: nil, own: nil), .pod("/p"))
        XCTAssertThrowsError(try NetnsSelfCheck.classify(path: "/p", overridden: false, target: a, own: nil))
    }

    func testGCAndStatusAreNotChecked() {
        let p = Recorder()
        var env = ["CNI_COMMAND": "STATUS", "CNI_NETNS": ownFile, "CNI_PATH": "/opt/cni/bin"]
        let stdin = #"{"cniVersion":"1.1.0","name":"cbr0","type":"recorder"}"#
        XCTAssertEqual(PluginMain.execute(p, environment: env, ownNetns: own) { Array(stdin.utf8) }.exitCode, 0)
        env["CNI_COMMAND"] = "GC"
        XCTAssertEqual(PluginMain.execute(p, environment: env, ownNetns: own) { Array(stdin.utf8) }.exitCode, 0)
    }

    /// A container ID is a file name (flannel's `<dataDir>/<containerID>`): longer than 255
    /// bytes is refused with code 4 before the plugin runs.
    func testContainerIDLongerThan255BytesIsRefused() {
        let p = Recorder()
        for verb in ["ADD", "DEL", "CHECK"] {
            var env = ["CNI_COMMAND": verb, "CNI_CONTAINERID": String(repeating: "a", count: 256), "CNI_IFNAME": "eth0",
                       "CNI_NETNS": otherFile, "CNI_PATH": "/opt/cni/bin"]
            let stdin = #"{"cniVersion":"1.0.0","name":"cbr0","type":"recorder"}"#
            let o = PluginMain.execute(p, environment: env, ownNetns: own) { Array(stdin.utf8) }
            let json = try? JSONParser.parse(o.stdout)
            XCTAssertEqual(json?["code"], 4, verb)
            XCTAssertEqual(json?["msg"], "containerID is too long", verb)
            XCTAssertEqual(json?["details"]?.stringValue?.contains("at most 255 bytes, this one has 256"), true, verb)
            env["CNI_CONTAINERID"] = String(repeating: "a", count: 255)
            XCTAssertEqual(PluginMain.execute(p, environment: env, ownNetns: own) { Array(stdin.utf8) }.exitCode, 0, "\(verb) 255 bytes")
        }
        XCTAssertEqual(p.calls.map(\.0), ["ADD", "DEL", "CHECK"], "only the 255-byte IDs reached the plugin")
        XCTAssertEqual(Validation.maxContainerIDBytes, 255)
    }
}
