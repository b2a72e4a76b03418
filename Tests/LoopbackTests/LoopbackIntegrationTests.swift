import CNITestSupport
import Foundation
import XCTest

/// The real binary, the real env protocol, a real pod netns.
final class LoopbackIntegrationTests: XCTestCase {
    private func config(_ version: String) -> String { #"{"cniVersion":"\#(version)","name":"lo","type":"loopback"}"# }

    /// Runs `plugin` in `node` for `pod` (or `netns`), as a runtime would.
    private func run(_ command: String, _ plugin: String, in node: TestNode, pod: TestNamespace?, netns: String? = nil,
                     version: String = "1.0.0") -> (status: Int32, stdout: String, stderr: String) {
        node.runPlugin(plugin, command: command, containerID: "c1", netns: netns ?? pod?.path, ifname: "lo",
                       config: config(version), extraEnv: ["CNI_PATH": "/nonexistent"])
    }


    func testAddCheckDelLikeTheReference() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let ours = try PluginBinaries.makePluginDir() + "/loopback"
        let node = try TestNode(prefix: "lo")
        let pod = try node.newPod()
        XCTAssertTrue(try pod.run(["ip", "link", "show", "lo"]).contains("state DOWN"))

        let add = run("ADD", ours, in: node, pod: pod)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        let result = try PluginResult.decode(add.stdout)
        XCTAssertEqual(result.cniVersion, "1.0.0")
        let ifs = try XCTUnwrap(result.interfaces)
        XCTAssertEqual(ifs.first?.name, "lo")
        XCTAssertEqual(ifs.first?.mac, "00:00:00:00:00:00")
        XCTAssertEqual(ifs.first?.sandbox, pod.path)
        let ips = try XCTUnwrap(result.ips)
        XCTAssertEqual(ips.map(\.address), ["127.0.0.1/8", "::1/128"])
        XCTAssertTrue(try pod.run(["ip", "link", "show", "lo"]).contains("UP"))

        XCTAssertEqual(run("CHECK", ours, in: node, pod: pod).status, 0)
        let del = run("DEL", ours, in: node, pod: pod)
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(del.stdout, "")
        XCTAssertTrue(try pod.run(["ip", "link", "show", "lo"]).contains("state DOWN"))
        let check = run("CHECK", ours, in: node, pod: pod)
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual((try? PluginRun.decode(PluginErrorOutput.self, from: check.stdout))?.msg, "loopback interface is down")

        if PluginBinaries.hasReferencePlugins {
            let ref = PluginBinaries.referencePluginDir + "/loopback"
            let refAdd = run("ADD", ref, in: node, pod: pod)
            XCTAssertEqual(refAdd.status, 0)
            let refIPs = (try? PluginResult.decode(refAdd.stdout))?.ips?.map(\.address)
            XCTAssertEqual(refIPs, ["127.0.0.1/8", "::1/128"], "same addresses as the reference")
        }
    }

    func testResultShapePerVersion() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let ours = try PluginBinaries.makePluginDir() + "/loopback"
        let node = try TestNode(prefix: "lo")
        let pod = try node.newPod()
        let v020 = try PluginResult.decode(run("ADD", ours, in: node, pod: pod, version: "0.2.0").stdout)
        XCTAssertEqual(v020.ip4?.ip, "127.0.0.1/8")
        XCTAssertEqual(v020.ip6?.ip, "::1/128")
        XCTAssertNil(v020.interfaces)
        let v031 = try PluginResult.decode(run("ADD", ours, in: node, pod: pod, version: "0.3.1").stdout)
        XCTAssertEqual(v031.ips?.first?.version, "4")
    }

    func testDelToleratesMissingOrEmptyNetns() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let ours = try PluginBinaries.makePluginDir() + "/loopback"
        let node = try TestNode(prefix: "lo")
        XCTAssertEqual(run("DEL", ours, in: node, pod: nil, netns: "/run/netns/does-not-exist-\(getpid())").status, 0)
        XCTAssertEqual(run("DEL", ours, in: node, pod: nil, netns: "").status, 0)
        let add = run("ADD", ours, in: node, pod: nil, netns: "/run/netns/does-not-exist-\(getpid())")
        XCTAssertEqual(add.status, 1)
        XCTAssertNotNil(try? PluginRun.decode(PluginErrorOutput.self, from: add.stdout), add.stdout)
        let notNetns = run("ADD", ours, in: node, pod: nil, netns: "/tmp")
        XCTAssertEqual(notNetns.status, 1)
        let error = try? PluginRun.decode(PluginErrorOutput.self, from: notNetns.stdout)
        XCTAssertTrue(error?.msg.contains("unknown FS magic") == true, notNetns.stdout)
    }

    func testVersionAndMalformedInputThroughTheBinary() throws {
        let dir = try PluginBinaries.makePluginDir()
        for name in ["flannel", "bridge", "host-local", "portmap", "loopback"] {
            let v = Command.run([dir + "/" + name], environment: ["CNI_COMMAND": "VERSION"])
            XCTAssertEqual(v.status, 0)
            XCTAssertTrue(v.stdout.contains("\"1.1.0\""), name)
        }
        // Malformed stdin/env through the real binary: error JSON, exit 1, never a signal.
        let inputs = ["", "{", "[]", "null", #"{"name":"x"}"#, #"{"cniVersion":"9.9.9","name":"n"}"#,
                      String(repeating: "[", count: 50_000), #"{"cniVersion":"1.0.0","name":"n\u0000"}"#]
        for name in ["flannel", "bridge", "host-local", "portmap", "loopback"] {
            for input in inputs {
                let r = Command.run([dir + "/" + name], stdin: input, environment: [
                    "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c1", "CNI_NETNS": "/run/netns/none", "CNI_IFNAME": "eth0", "CNI_PATH": dir,
                ])
                XCTAssertEqual(r.status, 1, "\(name) <- \(input.prefix(40))")
                XCTAssertNotNil((try? PluginRun.decode(PluginErrorOutput.self, from: r.stdout))?.code,
                                "\(name) <- \(input.prefix(40)): \(r.stdout)")
            }
        }
    }
}
