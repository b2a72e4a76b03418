import BandwidthIFB
import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// conflists/10-flannel-k3s.conflist (flannel → portmap → bandwidth, CNI 1.0.0) run by our
/// libcni-style runner with the bandwidth capability as each runtime spells it.
final class K3sChainTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
    }

    static let conflistPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("conflists/10-flannel-k3s.conflist").path

    /// The k3s conflist with the flannel entry pointed at the node's temp files.
    private func conflist(_ n: TestNode) throws -> String {
        let text = try String(contentsOfFile: Self.conflistPath, encoding: .utf8)
        var list = try XCTUnwrap(try JSONParser.parse(text).objectValue)
        var plugins = try XCTUnwrap(list["plugins"]?.arrayValue)
        XCTAssertEqual(plugins.compactMap { $0.objectValue?["type"]?.stringValue }, ["flannel", "portmap", "bandwidth"])
        var flannel = try XCTUnwrap(plugins.first?.objectValue)
        flannel["subnetFile"] = .string(n.subnetFile)
        flannel["dataDir"] = .string(n.flannelDir)
        flannel["ipam"] = ["dataDir": .string(n.ipamDir)]
        plugins[0] = .object(flannel)
        list["plugins"] = .array(plugins)
        return try n.writeConflist(JSONSerializer.string(.object(list), style: .pretty))
    }

    private func exec(_ n: TestNode, _ args: [String], capArgs: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try n.cniExec(args, subcommand: "cni-exec", capArgs: capArgs,
                      extraEnv: ["CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=test"])
    }

    func testContainerdAndCRIOSpellingsThroughTheK3sChain() throws {
        let n = try TestNode(prefix: "bw", subnetEnv: TestNode.vxlanSubnetEnv)
        defer { n.delete() }
        let list = try conflist(n)
        let spellings = [
            ("containerd", "ctrd", #"{"bandwidth":{"IngressRate":8000000,"IngressBurst":4294967295,"EgressRate":16000000,"EgressBurst":4294967295}}"#),
            ("CRI-O", "crio", #"{"bandwidth":{"ingressRate":8000000,"ingressBurst":34359738359,"egressRate":16000000,"egressBurst":34359738359}}"#),
        ]
        for (runtime, id, capArgs) in spellings {
            let pod = try n.newPod(loopbackUp: true)
            let add = try exec(n, ["add", list, pod.path, id, "eth0"], capArgs: capArgs)
            XCTAssertEqual(add.status, 0, "\(runtime): \(add.stdout)\(add.stderr)")
            let ifb = "bwp" + String(SHA512.hexDigest(Array(("cbr0" + id).utf8)).prefix(12))
            XCTAssertTrue(add.stdout.contains(ifb), "\(runtime): the ifb is in the result: \(add.stdout)")
            let check = try exec(n, ["check", list, pod.path, id, "eth0"], capArgs: capArgs)
            XCTAssertEqual(check.status, 0, "\(runtime): \(check.stdout)\(check.stderr)")
            let qdiscs = try n.run(["tc", "qdisc", "show"])
            XCTAssertTrue(qdiscs.contains("qdisc tbf 1: dev \(ifb) root"), "\(runtime): \(qdiscs)")
            XCTAssertTrue(qdiscs.contains("rate 16Mbit"), "\(runtime): \(qdiscs)")
            XCTAssertTrue(qdiscs.contains("rate 8Mbit"), "\(runtime): \(qdiscs)")
            let del = try exec(n, ["del", list, pod.path, id, "eth0"], capArgs: capArgs)
            XCTAssertEqual(del.status, 0, "\(runtime): \(del.stdout)\(del.stderr)")
            XCTAssertThrowsError(try n.ip(["link", "show", ifb]), "\(runtime): DEL removed the ifb")
            XCTAssertFalse(try n.run(["tc", "qdisc", "show"]).contains("tbf"), "\(runtime): no tbf left")
        }
    }

    /// cni-inspect reports a `bwp` ifb that no filter redirects to (a pod gone without DEL), not the
    /// live pod's, and `--fix --yes` removes only the orphan.
    func testInspectReportsAndFixesOrphanIFBs() throws {
        let n = try TestNode(prefix: "bw", subnetEnv: TestNode.vxlanSubnetEnv)
        defer { n.delete() }
        let list = try conflist(n)
        let pod = try n.newPod(loopbackUp: true)
        let capArgs = #"{"bandwidth":{"EgressRate":8000000,"EgressBurst":800000}}"#
        let add = try exec(n, ["add", list, pod.path, "live", "eth0"], capArgs: capArgs)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        let live = ShapingIFBName.of(network: "cbr0", containerID: "live")
        let orphan = ShapingIFBName.of(network: "othernet", containerID: "gone")
        try n.ip(["link", "add", orphan, "type", "ifb"])
        let arguments = ["--netns", n.name, "--subnet-file", n.subnetFile, "--ipam-dir", n.ipamDir, "--flannel-dir", n.flannelDir,
                         "--cni-path", n.pluginDir, "--netconf-dir", n.netconfDir, "--cache-dir", n.cacheDir, "--json"]
        let binary = try PluginBinaries.requireExecutable()
        let report = Command.run([binary, "inspect"] + arguments)
        XCTAssertEqual(report.status, 3, report.stdout + report.stderr)
        XCTAssertTrue(report.stdout.contains("orphan-ifb"), report.stdout)
        XCTAssertTrue(report.stdout.contains(orphan), report.stdout)
        XCTAssertFalse(report.stdout.contains("\"subject\" : \"\(live)\""), report.stdout)
        let fix = Command.run([binary, "inspect"] + arguments + ["--fix", "--yes"])
        XCTAssertTrue(fix.stdout.contains(orphan), fix.stdout + fix.stderr)
        XCTAssertThrowsError(try n.ip(["link", "show", orphan]), "--fix removed the orphan")
        XCTAssertNoThrow(try n.ip(["link", "show", live]), "the live pod's ifb stays")
        let again = Command.run([binary, "inspect"] + arguments)
        XCTAssertFalse(again.stdout.contains("orphan-ifb"), again.stdout)
        XCTAssertEqual(try exec(n, ["del", list, pod.path, "live", "eth0"], capArgs: capArgs).status, 0)
    }
}
