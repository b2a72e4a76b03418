import CNITestSupport
import Foundation
import XCTest

/// The spec's DEL contract: DEL twice, DEL without ADD, DEL after the netns is gone and DEL with
/// an empty CNI_NETNS all succeed and leave nothing behind; CHECK after ADD succeeds. Run for the
/// flannel chain (flannel + portmap, masquerading on the bridge) and for bridge alone.
final class IdempotencyTests: XCTestCase {
    static let subnetEnv = CrashSafetyTests.subnetEnv  // FLANNEL_IPMASQ=false: the bridge masquerades

    /// A node for the flannel chain (flannel + portmap) with its conflist and store inspector.
    private struct ChainNode {
        let node: TestNode
        let conflist: String
        let inspector: StoreInspector

        init() throws {
            node = try TestNode.reliabilityNode(prefix: "relid", subnetEnv: IdempotencyTests.subnetEnv)
            conflist = try node.writeFlannelConflist(version: "1.0.0")
            inspector = StoreInspector(node: node)
        }

        func caps(_ port: Int) -> String { #"{"portMappings":[{"hostPort":\#(port),"containerPort":80,"protocol":"tcp"}]}"# }

        func exec(_ verb: String, _ netns: String, _ id: String, _ capArgs: String? = nil,
                  file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try node.exec(verb, conflist: conflist, netns: netns, id: id, capArgs: capArgs)
            XCTAssertTrue(r.succeeded, "\(verb) \(id): \(r.summary)", file: file, line: line)
        }
    }

    /// ADD, CHECK twice, DEL, DEL through the flannel chain.
    func testFlannelChainAddCheckDelDel() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let chain = try ChainNode()
        let node = chain.node
        defer { node.delete() }
        let a = try node.newPod(loopbackUp: true)
        try chain.exec("add", a.path, "relid-a", chain.caps(21001))
        XCTAssertTrue(try node.natTable().contains("--dport 21001"), "portmap rules are installed")
        XCTAssertFalse(TestNode.natLines(try node.natTable(), containerID: "relid-a").isEmpty, "masquerade rules are installed")
        try chain.exec("check", a.path, "relid-a")
        try chain.exec("check", a.path, "relid-a")
        try chain.exec("del", a.path, "relid-a")
        try chain.inspector.assertClean(of: "relid-a", pod: a, "after the first DEL")
        try chain.exec("del", a.path, "relid-a")
        try chain.inspector.assertClean(of: "relid-a", pod: a, "after the second DEL")
    }

    /// DEL of a container that was never added.
    func testFlannelChainDelWithoutAdd() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let chain = try ChainNode()
        let node = chain.node
        defer { node.delete() }
        let a = try node.newPod(loopbackUp: true)
        try chain.exec("del", a.path, "relid-never")
        try chain.inspector.assertClean(of: "relid-never", pod: a, "after DEL without ADD")
    }

    /// DEL after the pod's netns is gone (the runner passes its old path), twice.
    func testFlannelChainDelAfterTheNetnsIsGone() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let chain = try ChainNode()
        let node = chain.node
        defer { node.delete() }
        let c = try node.newPod(loopbackUp: true)
        try chain.exec("add", c.path, "relid-c", chain.caps(21003))
        c.delete()
        try chain.exec("del", c.path, "relid-c")
        try chain.exec("del", c.path, "relid-c")
        try Self.assertNodeClean(node, chain.inspector, ids: ["relid-c"], bridge: "cni0", "after DEL with the netns gone")
        XCTAssertFalse(try node.natTable().contains("--dport 21003"))
    }

    /// DEL with an empty CNI_NETNS, as a runtime sends it once the netns is gone: the chain in
    /// reverse order, each plugin with the ADD-time config (portmap's with prevResult and mappings).
    func testFlannelChainDelWithAnEmptyNetns() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let chain = try ChainNode()
        let node = chain.node
        defer { node.delete() }
        let d = try node.newPod(loopbackUp: true)
        let flannel = node.flannelConfig(version: "1.0.0")
        let add = try node.plugin("flannel", "ADD", id: "relid-d", pod: d.path, config: flannel)
        XCTAssertTrue(add.succeeded, add.summary)
        let portmap = #"{"cniVersion":"1.0.0","name":"cbr0","type":"portmap","runtimeConfig":"# + chain.caps(21004) + #","prevResult":\#(add.stdoutText)}"#
        XCTAssertTrue(try node.plugin("portmap", "ADD", id: "relid-d", pod: d.path, config: portmap).succeeded)
        d.delete()
        for _ in 0..<2 {
            for (plugin, config) in [("portmap", portmap), ("flannel", flannel)] {
                let del = try node.runPlugin(plugin, env: node.environment(command: "DEL", containerID: "relid-d", netns: ""),
                                             config: Array(config.utf8))
                XCTAssertTrue(del.succeeded, "\(plugin) DEL with empty CNI_NETNS: \(del.summary)")
            }
        }
        try Self.assertNodeClean(node, chain.inspector, ids: ["relid-d"], bridge: "cni0", "after DEL with an empty CNI_NETNS")
        XCTAssertFalse(try node.natTable().contains("--dport 21004"))
        XCTAssertEqual(TestNode.files(in: node.cacheDir + "/results"), [])
        XCTAssertEqual(node.flannelFiles(), [])
    }

    func testBridgeDelIsIdempotent() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relib")
        defer { node.delete() }
        let store = node.ipamDir + "/relib-net"
        let config = #"{"cniVersion":"1.0.0","name":"relib-net","type":"bridge","bridge":"relibbr0","isGateway":true,"# +
            #""ipMasq":true,"hairpinMode":true,"ipam":{"type":"host-local","dataDir":"\#(node.ipamDir)","# +
            #""ranges":[[{"subnet":"10.97.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}}"#
        func run(_ command: String, _ id: String, _ netns: String, _ conf: String = config) throws {
            let r = try node.plugin("bridge", command, id: id, pod: netns, config: conf)
            XCTAssertTrue(r.succeeded, "\(command) \(id) netns \(netns.debugDescription): \(r.summary)")
        }
        func reservations() -> [String] { TestNode.files(in: store).filter { $0.hasPrefix("10.") } }

        // ADD, CHECK (with the ADD result as prevResult), DEL, DEL.
        let a = try node.newPod(loopbackUp: true)
        let add = try node.plugin("bridge", "ADD", id: "relib-a", pod: a.path, config: config)
        XCTAssertTrue(add.succeeded, add.summary)
        XCTAssertFalse(TestNode.natLines(try node.natTable(), containerID: "relib-a").isEmpty, "masquerade rules are installed")
        try run("CHECK", "relib-a", a.path, String(config.dropLast()) + #","prevResult":\#(add.stdoutText)}"#)
        try run("DEL", "relib-a", a.path)
        try run("DEL", "relib-a", a.path)
        XCTAssertEqual(TestNode.linkNames(try a.ip(["-o", "link", "show"])), ["lo"])

        // DEL without ADD; DEL after the netns is gone; DEL with an empty CNI_NETNS after it is gone.
        try run("DEL", "relib-never", a.path)
        let c = try node.newPod(loopbackUp: true)
        try run("ADD", "relib-c", c.path)
        c.delete()
        try run("DEL", "relib-c", c.path)
        try run("DEL", "relib-c", c.path)
        let d = try node.newPod(loopbackUp: true)
        try run("ADD", "relib-d", d.path)
        d.delete()
        try run("DEL", "relib-d", "")
        try run("DEL", "relib-d", "")

        XCTAssertEqual(reservations(), [], "addresses left in \(store)")
        try Self.assertNodeClean(node, StoreInspector(node: node), ids: ["relib-a", "relib-never", "relib-c", "relib-d"],
                                 bridge: "relibbr0", "after every DEL")
    }

    /// No links but lo and the bridge (waiting for the kernel to finish tearing down deleted
    /// netns, which takes their veth peers along), no rules or chains of `ids`, no flannel state.
    static func assertNodeClean(_ node: TestNode, _ inspector: StoreInspector, ids: [String], bridge: String,
                                _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var links = try node.nodeLinks()
        for _ in 0..<500 where links != ["lo", bridge] {
            usleep(20_000)
            links = try node.nodeLinks()
        }
        XCTAssertEqual(links, ["lo", bridge], context, file: file, line: line)
        let nat = try node.natTable()
        for id in ids {
            XCTAssertEqual(TestNode.natLines(nat, containerID: id), [], "nat rules of \(id), \(context)", file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: node.flannelDir + "/" + id), "saved config of \(id), \(context)", file: file, line: line)
            XCTAssertEqual(inspector.reservations().filter { $0.value.hasPrefix(id + "\r\n") }, [:], "addresses of \(id), \(context)", file: file, line: line)
        }
        XCTAssertEqual(TestNode.perContainerChains(nat), [], "per-container chains, \(context)", file: file, line: line)
    }
}
