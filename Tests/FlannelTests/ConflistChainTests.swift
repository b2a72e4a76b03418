import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The shipped 1.1 conflist (flannel + portmap) driven by our runtime (`cni-plugins cni-exec`):
/// STATUS, ADD, CHECK, GC after a pod vanished without DEL, DEL, and STATUS once flanneld is gone.
final class ConflistChainTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipIf(ProcessInfo.processInfo.environment["FLANNEL_TEST_DELEGATES"] == "reference",
                      "Debian's reference delegates do not speak CNI 1.1.0 (GC, STATUS)")
    }

    /// The conflist with the flannel entry pointed at the node's temp files.
    private func conflist(_ n: TestNode) throws -> String {
        let text = try String(contentsOfFile: ConflistTests.directory + "/10-flannel-v1.1.conflist", encoding: .utf8)
        var list = try XCTUnwrap(try JSONParser.parse(text).objectValue)
        var plugins = try XCTUnwrap(list["plugins"]?.arrayValue)
        var flannel = try XCTUnwrap(plugins.first?.objectValue)
        flannel["subnetFile"] = .string(n.subnetFile)
        flannel["dataDir"] = .string(n.flannelDir)
        flannel["ipam"] = ["dataDir": .string(n.ipamDir)]
        plugins[0] = .object(flannel)
        list["plugins"] = .array(plugins)
        return try n.writeConflist(JSONSerializer.string(.object(list), style: .pretty))
    }

    private func exec(_ n: TestNode, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try n.cniExec(args, subcommand: "cni-exec",
                      extraEnv: ["CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=test"])
    }

    func testV11ConflistThroughTheRuntime() throws {
        let n = try TestNode.flannel(subnetEnv: TestNode.vxlanSubnetEnv)
        let list = try conflist(n)
        let status = try exec(n, ["status", list])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)

        let pod1 = try n.newPod(loopbackUp: true)
        let pod2 = try n.newPod(loopbackUp: true)
        let add1 = try exec(n, ["add", list, pod1.path, "pod1", "eth0"])
        XCTAssertEqual(add1.status, 0, add1.stdout + add1.stderr)
        XCTAssertTrue(add1.stdout.contains("10.244.1.2/24"), add1.stdout)
        let add2 = try exec(n, ["add", list, pod2.path, "pod2", "eth0"])
        XCTAssertEqual(add2.status, 0, add2.stdout + add2.stderr)
        let check = try exec(n, ["check", list, pod1.path, "pod1", "eth0"])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(try pod1.ip(["route"]).contains("10.244.0.0/16 via 10.244.1.1 dev eth0"))

        // pod2 vanishes without DEL (node crash): netns gone, runtime cache entry gone.
        pod2.delete()
        try FileManager.default.removeItem(atPath: n.cacheDir + "/results/cbr0-pod2-eth0")
        XCTAssertNotNil(n.saved("pod2"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.3"))
        let gc = try exec(n, ["gc", list])
        XCTAssertEqual(gc.status, 0, gc.stdout + gc.stderr)
        XCTAssertNil(n.saved("pod2"), "GC DELed the stale attachment and forgot its config")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.3"), "its IP is released")
        XCTAssertNotNil(n.saved("pod1"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.2"), "the live pod is untouched")
        XCTAssertEqual(try exec(n, ["check", list, pod1.path, "pod1", "eth0"]).status, 0)

        let del = try exec(n, ["del", list, pod1.path, "pod1", "eth0"])
        XCTAssertEqual(del.status, 0, del.stdout + del.stderr)
        XCTAssertNil(n.saved("pod1"))
        // pod2's veth goes with its deleted netns, which the kernel tears down asynchronously:
        // allow it a bounded moment (pod1's veth was deleted synchronously by DEL).
        XCTAssertEqual(try n.bridgePortsAfterTeardown(), [])

        try FileManager.default.removeItem(atPath: n.subnetFile)
        let notReady = try exec(n, ["status", list])
        XCTAssertNotEqual(notReady.status, 0)
        XCTAssertTrue(notReady.stdout.contains("\"code\": 50"), notReady.stdout)
        XCTAssertTrue(notReady.stdout.contains("flanneld is probably not running"), notReady.stdout)
    }
}
