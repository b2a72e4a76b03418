import CNITestSupport
import Foundation
import XCTest

/// `cni-exec` drives a bridge + portmap conflist like libcni: chained prevResult, cached result
/// and capability args reused by CHECK and DEL.
final class CNIExecIntegrationTests: XCTestCase {
    func testAddCheckDelThroughTheRunner() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        _ = try XCTUnwrap(PluginBinaries.executable, "cni-plugins binary not built")
        let node = try TestNode(prefix: "cx")
        let pod = try node.newPod()
        let conflist = try node.writeConflist(#"""
            {"cniVersion":"1.0.0","name":"cxnet","plugins":[
              {"type":"bridge","bridge":"cxbr0","isGateway":true,"ipMasq":true,
               "ipam":{"type":"host-local","dataDir":"\#(node.ipamDir)","ranges":[[{"subnet":"10.77.0.0/24"}]]}},
              {"type":"portmap","capabilities":{"portMappings":true}}]}
            """#, name: "net.conflist")
        func exec(_ verb: String, capArgs: String? = nil) -> (status: Int32, stdout: String, stderr: String) {
            (try? node.cniExec([verb, conflist, pod.path, "cx1", "eth0"], capArgs: capArgs)) ?? (127, "", "cni-plugins not built")
        }
        let add = exec("add", capArgs: #"{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}"#)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        let result = try PluginResult.decode(add.stdout)
        XCTAssertEqual(result.ips?.first?.address, "10.77.0.2/24")
        let cacheFile = node.cacheDir + "/results/cxnet-cx1-eth0"
        let cached = try String(contentsOfFile: cacheFile, encoding: .utf8)
        XCTAssertTrue(cached.contains("\"kind\":\"cniCacheV1\""))
        XCTAssertTrue(cached.contains("18080"), "capability args are cached for DEL")
        XCTAssertTrue(try node.run(["iptables-save", "-t", "nat"]).contains("--dport 18080"))

        XCTAssertEqual(exec("check").status, 0, exec("check").stdout)
        let del = exec("del")  // no CAP_ARGS: the cached ones are used
        XCTAssertEqual(del.status, 0, del.stdout + del.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheFile))
        let nat = try node.run(["iptables-save", "-t", "nat"])
        XCTAssertFalse(nat.contains("--dport 18080"), nat)
        XCTAssertFalse(nat.contains("id: \\\"cx1\\\""), nat)
        XCTAssertFalse(try pod.run(["ip", "link"]).contains("eth0"))
        let ipFiles = try FileManager.default.contentsOfDirectory(atPath: node.ipamDir + "/cxnet").filter { $0.hasPrefix("10.") }
        XCTAssertEqual(ipFiles, [])
    }

    func testUsageAndBadConflist() throws {
        let bin = try XCTUnwrap(PluginBinaries.executable, "cni-plugins binary not built")
        XCTAssertEqual(Command.run([bin, "exec"]).status, 2)
        let r = Command.run([bin, "exec", "add", "/nonexistent.conflist", "/run/netns/x"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("\"code\""), r.stdout)
    }
}
