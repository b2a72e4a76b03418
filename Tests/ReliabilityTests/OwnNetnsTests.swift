import CNITestSupport
import Foundation
import XCTest

/// CNI_NETNS naming the plugin's own network namespace (a DEL queued until `/proc/<pid>/ns/net`
/// belonged to a host process, containernetworking/plugins#714): every plugin and the flannel
/// chain answer code 8 and leave the node as it was (its `eth0` and `lo` above all); DEL still
/// releases what lives on the host side; `CNI_NETNS_OVERRIDE` lets a run proceed; DEL with an
/// empty or vanished netns is unaffected. The node is a netns with an uplink `eth0`
/// (192.0.2.10/24, a veth to a namespace standing for the network) and `lo`, where every plugin runs (`nsenter --net=<node>`): its own netns
/// is the node's, `node.path`.
final class OwnNetnsTests: XCTestCase {
    static let message = "plugin's netns and netns from CNI_NETNS should not be the same"
    static let plugins = ["bridge", "loopback", "host-local", "portmap", "flannel"]

    private func makeNode() throws -> TestNode {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "nsck", subnetEnv: CrashSafetyTests.subnetEnv)
        // The uplink: a veth to a namespace of its own (the test kernels have no dummy driver).
        let uplink = try node.newPod(prefix: "nsckup")
        _ = try node.ip(["link", "add", "eth0", "type", "veth", "peer", "name", "uplink0", "netns", uplink.name])
        _ = try node.ip(["addr", "add", "192.0.2.10/24", "dev", "eth0"])
        _ = try node.ip(["link", "set", "eth0", "up"])
        _ = try uplink.ip(["link", "set", "uplink0", "up"])
        return node
    }

    private func snapshot(_ node: TestNode) -> NodeSnapshot {
        NodeSnapshot.capture(node: node, pods: [], directories: [node.ipamDir, node.flannelDir, node.cacheDir], nsenter: node.nsenter)
    }

    /// Each plugin's config on this node (bridge with its own bridge name and masquerading).
    private func config(_ plugin: String, _ node: TestNode, prevResult: String? = nil) -> String {
        let ipam = #"{"type":"host-local","dataDir":"\#(node.ipamDir)","ranges":[[{"subnet":"10.244.1.0/24"}]]}"#
        var fields: String
        switch plugin {
        case "bridge": fields = #""bridge":"nsckbr0","isGateway":true,"ipMasq":true,"ipam":\#(ipam)"#
        case "host-local": fields = #""ipam":\#(ipam)"#
        case "portmap": fields = #""runtimeConfig":{"portMappings":[{"hostPort":21080,"containerPort":80,"protocol":"tcp"}]}"#
        case "flannel": return node.flannelConfig(version: "1.0.0")
        default: fields = #""x":1"#
        }
        if let prevResult { fields += #","prevResult":\#(prevResult)"# }
        return #"{"cniVersion":"1.0.0","name":"cbr0","type":"\#(plugin)",\#(fields)}"#
    }

    /// A made-up prevResult for the chained plugin (portmap) and CHECK.
    private static let prevResult = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"# +
        #""ips":[{"address":"10.244.1.5/24","interface":0}]}"#

    /// Exactly one JSON document on stdout, code 8 with the reference's message.
    private func assertCode8(_ r: ChildProcess.Outcome, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, 1, "\(what): \(r.summary)", file: file, line: line)
        let error = try? PluginRun.decode(PluginErrorOutput.self, from: r.stdoutText)
        XCTAssertNotNil(error, "\(what): stdout is not exactly one CNI error document: \(r.stdoutText)", file: file, line: line)
        XCTAssertEqual(error?.code, 8, "\(what): \(r.summary)", file: file, line: line)
        XCTAssertEqual(error?.msg, Self.message, "\(what)", file: file, line: line)
    }

    func testEveryPluginRefusesTheNodesOwnNetnsAndLeavesTheNodeAsItWas() throws {
        let node = try makeNode()
        defer { node.delete() }
        let before = snapshot(node)
        XCTAssertTrue(before.differences(to: before).isEmpty)
        for plugin in Self.plugins {
            for verb in ["ADD", "CHECK", "DEL"] {
                let prev = plugin == "portmap" || verb == "CHECK" ? Self.prevResult : nil
                let ifname = plugin == "loopback" ? "lo" : "eth0"
                let env = node.environment(command: verb, containerID: "nsck-\(plugin)", netns: node.path, ifname: ifname)
                let r = try node.runPlugin(plugin, env: env, config: Array(config(plugin, node, prevResult: prev).utf8))
                assertCode8(r, "\(plugin) \(verb)")
                let diff = before.differences(to: snapshot(node))
                XCTAssertTrue(diff.isEmpty, "\(plugin) \(verb) with the node's own netns changed the node:\n\(diff)")
            }
        }
        let eth0 = try node.ip(["-o", "link", "show", "eth0"])
        XCTAssertTrue(eth0.contains(",UP"), "the node's eth0 is still there, up: \(eth0)")
        XCTAssertTrue(try node.ip(["-o", "addr", "show", "eth0"]).contains("192.0.2.10/24"), "with its address")
        XCTAssertTrue(try node.ip(["-o", "link", "show", "lo"]).contains("UP"), "the node's lo is still up")
    }

    /// `/proc/self/ns/net` as CNI_NETNS is the plugin's own netns whatever netns it runs in.
    func testProcSelfIsThePluginsOwn() throws {
        let node = try makeNode()
        defer { node.delete() }
        let before = snapshot(node)
        let env = node.environment(command: "DEL", containerID: "nsck-self", netns: "/proc/self/ns/net")
        assertCode8(try node.runPlugin("bridge", env: env, config: Array(config("bridge", node).utf8)), "bridge DEL /proc/self/ns/net")
        XCTAssertTrue(before.differences(to: snapshot(node)).isEmpty)
    }

    func testTheFlannelChainThroughTheRunnerRefusesTheNodesOwnNetns() throws {
        let node = try makeNode()
        defer { node.delete() }
        let conflist = try node.writeFlannelConflist(version: "1.0.0")
        let caps = #"{"portMappings":[{"hostPort":21081,"containerPort":80,"protocol":"tcp"}]}"#
        let before = snapshot(node)
        // (CHECK: the runner itself refuses first, as libcni does, since ADD cached no result.)
        for verb in ["add", "check", "del"] {
            let r = try node.exec(verb, conflist: conflist, netns: node.path, id: "nsck-chain", capArgs: caps)
            XCTAssertFalse(r.succeeded, "\(verb): \(r.summary)")
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: r.stdout), "\(verb): one JSON document: \(r.summary)")
            if verb != "check" { XCTAssertTrue(r.stdoutText.contains(Self.message), "\(verb): \(r.summary)") }
            let diff = before.differences(to: snapshot(node))
            XCTAssertTrue(diff.isEmpty, "cni-exec \(verb) with the node's own netns changed the node:\n\(diff)")
        }
    }

    /// A pod set up normally, then a DEL with the node's own netns: the reservation, the saved
    /// config and the masquerade rules go (host side), nothing in the node or the pod is touched,
    /// code 8; the retried DEL with the pod's netns then succeeds and removes the rest.
    func testDelReleasesTheHostSideOnly() throws {
        let node = try makeNode()
        defer { node.delete() }
        let inspector = StoreInspector(node: node)
        let pod = try node.newPod(loopbackUp: true)
        let flannel = node.flannelConfig(version: "1.0.0")
        let add = try node.plugin("flannel", "ADD", id: "nsck-rel", pod: pod.path, config: flannel)
        XCTAssertTrue(add.succeeded, add.summary)
        XCTAssertEqual(node.flannelFiles(), ["nsck-rel"])
        XCTAssertEqual(inspector.reservations().count, 1)
        XCTAssertFalse(TestNode.natLines(try node.natTable(), containerID: "nsck-rel").isEmpty, "masquerade rules installed")
        let nodeLinks = try node.nodeLinks()
        let podLinks = try pod.ip(["-o", "link", "show"])

        let del = try node.plugin("flannel", "DEL", id: "nsck-rel", pod: node.path, config: flannel)
        assertCode8(del, "flannel DEL with the node's own netns")
        XCTAssertEqual(inspector.reservations(), [:], "the IP reservation was released")
        XCTAssertEqual(node.flannelFiles(), [], "the saved config was removed")
        XCTAssertEqual(TestNode.natLines(try node.natTable(), containerID: "nsck-rel"), [], "masquerade rules removed")
        XCTAssertEqual(try node.nodeLinks(), nodeLinks, "no link of the node was touched")
        XCTAssertEqual(try pod.ip(["-o", "link", "show"]), podLinks, "nothing in the pod was touched either")

        // The retry with the pod's netns: flannel has nothing saved any more (its DEL succeeds);
        // bridge, run directly as the runtime's cleanup would, removes the veth.
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "nsck-rel", pod: pod.path, config: flannel).succeeded)
        let bridge = #"{"cniVersion":"1.0.0","name":"cbr0","type":"bridge","bridge":"cni0","ipam":{"type":"host-local","dataDir":"\#(node.ipamDir)","ranges":[[{"subnet":"10.244.1.0/24"}]]}}"#
        let retry = try node.plugin("bridge", "DEL", id: "nsck-rel", pod: pod.path, config: bridge)
        XCTAssertTrue(retry.succeeded, retry.summary)
        XCTAssertFalse(TestNode.linkNames(try pod.ip(["-o", "link", "show"])).contains("eth0"), "the retried DEL removed the pod's eth0")
    }

    /// bridge alone: the same host-side release through its in-process host-local.
    func testBridgeDelReleasesTheReservationAndKeepsTheNodesEth0() throws {
        let node = try makeNode()
        defer { node.delete() }
        let pod = try node.newPod(loopbackUp: true)
        let bridge = config("bridge", node)
        let add = try node.plugin("bridge", "ADD", id: "nsck-br", pod: pod.path, config: bridge)
        XCTAssertTrue(add.succeeded, add.summary)
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }.count, 1)
        let del = try node.plugin("bridge", "DEL", id: "nsck-br", pod: node.path, config: bridge)
        assertCode8(del, "bridge DEL with the node's own netns")
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }, [], "reservation released")
        XCTAssertEqual(TestNode.natLines(try node.natTable(), containerID: "nsck-br"), [], "masquerade rules removed")
        XCTAssertTrue(TestNode.linkNames(try node.ip(["-o", "link", "show"])).contains("eth0"), "the node's eth0 survives")
        XCTAssertTrue(TestNode.linkNames(try pod.ip(["-o", "link", "show"])).contains("eth0"), "the pod's eth0 was not touched")
        XCTAssertTrue(try node.plugin("bridge", "DEL", id: "nsck-br", pod: pod.path, config: bridge).succeeded, "retried DEL")
    }

    func testOverrideLetsTheRunProceed() throws {
        let node = try makeNode()
        defer { node.delete() }
        let override: [String: String?] = ["CNI_NETNS_OVERRIDE": "true"]
        // loopback ADD in the node's own netns: lo is already up; the result names it.
        var env = node.environment(command: "ADD", containerID: "nsck-ov", netns: node.path, ifname: "lo", extra: override)
        let lo = try node.runPlugin("loopback", env: env, config: Array(config("loopback", node).utf8))
        XCTAssertTrue(lo.succeeded, lo.summary)
        XCTAssertTrue(lo.stdoutText.contains("127.0.0.1/8"), lo.summary)
        // host-local ADD and DEL proceed: a reservation is made and released.
        env = node.environment(command: "ADD", containerID: "nsck-ov", netns: node.path, extra: ["CNI_NETNS_OVERRIDE": "1"])
        let add = try node.runPlugin("host-local", env: env, config: Array(config("host-local", node).utf8))
        XCTAssertTrue(add.succeeded, add.summary)
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }.count, 1)
        env["CNI_COMMAND"] = "DEL"
        XCTAssertTrue(try node.runPlugin("host-local", env: env, config: Array(config("host-local", node).utf8)).succeeded)
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }, [])
        // Not an override: "yes".
        env = node.environment(command: "ADD", containerID: "nsck-ov", netns: node.path, extra: ["CNI_NETNS_OVERRIDE": "yes"])
        assertCode8(try node.runPlugin("host-local", env: env, config: Array(config("host-local", node).utf8)), "override yes")
    }

    /// The override reaches flannel's delegates unchanged: flannel with the override and the
    /// node's own netns proceeds into bridge, whose veth then cannot take the node's `eth0` name
    /// (a bridge error, not code 8), and the failed ADD undoes itself.
    func testOverrideIsPassedToDelegates() throws {
        let node = try makeNode()
        defer { node.delete() }
        let env = node.environment(command: "ADD", containerID: "nsck-ovd", netns: node.path, extra: ["CNI_NETNS_OVERRIDE": "1"])
        let r = try node.runPlugin("flannel", env: env, config: Array(node.flannelConfig(version: "1.0.0").utf8))
        let error = try? PluginRun.decode(PluginErrorOutput.self, from: r.stdoutText)
        XCTAssertNotNil(error, r.summary)
        XCTAssertNotEqual(error?.code, 8, "the delegate did not check: \(r.summary)")
        XCTAssertEqual(node.flannelFiles(), [], "the failed ADD left no saved config")
        XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }, [], "nor a reservation")
    }

    func testDelWithAnEmptyOrVanishedNetnsIsUnaffected() throws {
        let node = try makeNode()
        defer { node.delete() }
        let bridge = config("bridge", node)
        for (id, vanish) in [("nsck-empty", false), ("nsck-gone", true)] {
            let pod = try node.newPod(loopbackUp: true)
            XCTAssertTrue(try node.plugin("bridge", "ADD", id: id, pod: pod.path, config: bridge).succeeded)
            let path = pod.path
            pod.delete()
            let del = try node.plugin("bridge", "DEL", id: id, pod: vanish ? path : "", config: bridge)
            XCTAssertTrue(del.succeeded, "\(id): \(del.summary)")
            XCTAssertEqual(TestNode.files(in: node.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }, [], "\(id): released")
            XCTAssertEqual(TestNode.natLines(try node.natTable(), containerID: id), [], "\(id): rules removed")
        }
    }
}
