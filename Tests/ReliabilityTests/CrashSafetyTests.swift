import CNITestSupport
import Foundation
import XCTest

/// kill -9 at random points of ADD, DEL and GC (the plugin and any helper it spawned, e.g.
/// iptables-restore), then the runtime's DEL (or GC) again: the node must end clean, the stores
/// must never hold an empty or half-written state file, and after the repeated verb every file in
/// both stores (hidden ones included) must belong to a live container.
final class CrashSafetyTests: XCTestCase {
    static let flannelTrials = 100
    static let delTrials = 100
    static let gcTrials = 20
    /// The full node check (links, nat table: a few execs) runs every this many trials; the store
    /// check runs after every one.
    static let fullCheckEvery = 10
    static let portmapTrials = 10
    /// flannel masquerade off, so the bridge installs its CNI-<hash> chains and they are killed too.
    static let subnetEnv = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n"

    func testKilledFlannelAddThenDelLeavesTheNodeClean() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let seed = SeededRandom.seed(default: 0xC4A5_11)
        var rng = SeededRandom(seed: seed)
        let node = try TestNode.reliabilityNode(prefix: "relks", subnetEnv: Self.subnetEnv)
        defer { node.delete() }
        let pod = try node.newPod(loopbackUp: true)
        let config = node.flannelConfig()
        let inspector = StoreInspector(node: node)

        // A first ADD/DEL creates cni0 and the store; a second one sizes the kill window (an
        // ADD on a warm node), so kills land all along ADD, and some after it.
        try Self.assertAddWorks(node, pod: pod, id: "relks-warmup", config: config)
        let started = Date()
        let sizing = try node.plugin("flannel", "ADD", id: "relks-sizing", pod: pod.path, config: config)
        let window = max(0.030, Date().timeIntervalSince(started) * 1.1)
        XCTAssertTrue(sizing.succeeded, sizing.summary)
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "relks-sizing", pod: pod.path, config: config).succeeded)

        var observed: [String: Int] = [:]
        var temps = Set(inspector.temporaryFiles())
        var strayCount = 0
        for trial in 0..<Self.flannelTrials {
            let id = "relks-\(trial)"
            let delay = Double.random(in: 0...window, using: &rng)
            let context = "trial \(trial), kill after \(Int(delay * 1000)) ms (seed \(seed))"
            let env = node.environment(command: "ADD", containerID: id, netns: pod.path)
            let child = try node.startPlugin("flannel", env: env, config: Array(config.utf8), ownProcessGroup: true)
            usleep(useconds_t(delay * 1_000_000))
            child.killGroup()
            let outcome = child.wait()
            child.waitForGroupToVanish()
            for (what, present) in try inspector.leftovers(of: id, pod: pod) where present { observed[what, default: 0] += 1 }
            observed[outcome.signal == nil ? "ADD finished before the kill" : "ADD killed", default: 0] += 1
            let newTemps = Set(inspector.temporaryFiles()).subtracting(temps)
            if !newTemps.isEmpty { observed["left a temp file", default: 0] += 1 }
            temps.formUnion(newTemps)
            inspector.assertStateFilesComplete("after the kill, \(context)")

            let del = try node.plugin("flannel", "DEL", id: id, pod: pod.path, config: config)
            XCTAssertTrue(del.succeeded, "DEL after the kill failed, \(context): \(del.summary)")
            let stray = inspector.strayFiles()
            XCTAssertEqual(stray, [], "files of no live container after DEL, \(context)")
            strayCount += stray.count
            if trial % Self.fullCheckEvery == 0 {
                try inspector.assertClean(of: id, pod: pod, "after DEL, \(context)")
                inspector.assertStateFilesComplete("after DEL, \(context)")
                // The node still works: a new container gets its pod network, and goes away cleanly.
                try Self.assertAddWorks(node, pod: pod, id: "relks-new-\(trial)", config: config, context)
            }
        }
        try inspector.assertClean(of: "relks-\(Self.flannelTrials - 1)", pod: pod, "after the last DEL")
        print("crash safety (flannel ADD, seed \(seed), \(Self.flannelTrials) trials, window \(Int(window * 1000)) ms, \(strayCount) stray files after DEL): \(observed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(TestNode.files(in: node.flannelDir).filter { !$0.hasPrefix(".") }, [])
    }

    /// kill -9 at spread moments of a DEL of a fully added container, then the runtime's retried
    /// DEL: it completes the cleanup, and nothing of the container is left in either store.
    func testKilledDelThenRetriedDelLeavesTheNodeClean() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let seed = SeededRandom.seed(default: 0xDE1_C4A5)
        var rng = SeededRandom(seed: seed)
        let node = try TestNode.reliabilityNode(prefix: "relkd", subnetEnv: Self.subnetEnv)
        defer { node.delete() }
        let pod = try node.newPod(loopbackUp: true)
        let config = node.flannelConfig()
        let inspector = StoreInspector(node: node)
        try Self.assertAddWorks(node, pod: pod, id: "relkd-warmup", config: config)
        XCTAssertTrue(try node.plugin("flannel", "ADD", id: "relkd-sizing", pod: pod.path, config: config).succeeded)
        let started = Date()
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "relkd-sizing", pod: pod.path, config: config).succeeded)
        let window = max(0.020, Date().timeIntervalSince(started) * 1.1)

        var killed = 0, strayAfterKill = 0, strayAfterRetry = 0
        for trial in 0..<Self.delTrials {
            let id = "relkd-\(trial)"
            let delay = Double.random(in: 0...window, using: &rng)
            let context = "trial \(trial), kill after \(Int(delay * 1000)) ms (seed \(seed))"
            let add = try node.plugin("flannel", "ADD", id: id, pod: pod.path, config: config)
            XCTAssertTrue(add.succeeded, "ADD, \(context): \(add.summary)")
            let env = node.environment(command: "DEL", containerID: id, netns: pod.path)
            let child = try node.startPlugin("flannel", env: env, config: Array(config.utf8), ownProcessGroup: true)
            usleep(useconds_t(delay * 1_000_000))
            child.killGroup()
            if child.wait().signal != nil { killed += 1 }
            child.waitForGroupToVanish()
            strayAfterKill += inspector.strayFiles(live: [id]).count
            inspector.assertStateFilesComplete("after the killed DEL, \(context)")

            let del = try node.plugin("flannel", "DEL", id: id, pod: pod.path, config: config)
            XCTAssertTrue(del.succeeded, "retried DEL, \(context): \(del.summary)")
            let stray = inspector.strayFiles()
            XCTAssertEqual(stray, [], "files of no live container after the retried DEL, \(context)")
            strayAfterRetry += stray.count
            if trial % Self.fullCheckEvery == 0 { try inspector.assertClean(of: id, pod: pod, "after the retried DEL, \(context)") }
        }
        try inspector.assertClean(of: "relkd-\(Self.delTrials - 1)", pod: pod, "after the last DEL")
        try Self.assertAddWorks(node, pod: pod, id: "relkd-new", config: config)
        print("crash safety (flannel DEL, seed \(seed), \(Self.delTrials) trials, window \(Int(window * 1000)) ms): \(killed) killed,"
              + " \(strayAfterKill) stray files right after the kills, \(strayAfterRetry) after the retried DEL")
    }

    /// kill -9 during the network's GC of stale attachments (pods gone without DEL), then GC again:
    /// the second GC completes the cleanup and keeps the live attachment.
    func testKilledGarbageCollectionIsCompletedByTheNextOne() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let seed = SeededRandom.seed(default: 0x6C_C4A5)
        var rng = SeededRandom(seed: seed)
        let node = try TestNode.reliabilityNode(prefix: "relkg", subnetEnv: Self.subnetEnv)
        defer { node.delete() }
        let conflist = try node.writeFlannelConflist(version: "1.1.0")
        let livePod = try node.newPod(loopbackUp: true)
        XCTAssertTrue(try node.exec("add", conflist: conflist, netns: livePod.path, id: "relkg-live").succeeded)
        let inspector = StoreInspector(node: node)
        let gcArgv = node.mountWrapper + [node.nsenter, "--net=" + node.path, "--", node.binary, "exec", "gc", conflist]
        let gcEnv = ["PATH": Command.pluginSearchPath, "CNI_PATH": node.pluginDir, "CNI_CACHE_DIR": node.cacheDir]
        // Two pods that vanish without DEL (added past the runtime's cache, so GC finds them
        // stale): their netns is deleted, their state stays.
        func leaveStalePods(_ tag: String, _ context: String) throws {
            for k in 0..<2 {
                let pod = try node.newPod(loopbackUp: true)
                let add = try node.plugin("flannel", "ADD", id: "relkg-\(tag)-\(k)", pod: pod.path, config: node.flannelConfig())
                XCTAssertTrue(add.succeeded, "\(context): \(add.summary)")
                pod.delete()
            }
        }
        // A GC of two stale pods sizes the kill window.
        try leaveStalePods("sizing", "sizing")
        let started = Date()
        XCTAssertTrue(try ChildProcess.run(gcArgv, environment: gcEnv, scratch: node.scratch).succeeded)
        let window = max(0.030, Date().timeIntervalSince(started) * 1.1)
        var killed = 0
        for trial in 0..<Self.gcTrials {
            let context = "trial \(trial) (seed \(seed))"
            try leaveStalePods(String(trial), context)
            let child = try ChildProcess.start(gcArgv, environment: gcEnv, stdin: [], scratch: node.scratch, ownProcessGroup: true)
            usleep(useconds_t(Double.random(in: 0...window, using: &rng) * 1_000_000))
            child.killGroup()
            if child.wait().signal != nil { killed += 1 }
            child.waitForGroupToVanish()
            inspector.assertStateFilesComplete("after the killed GC, \(context)")
            let gc = try ChildProcess.run(gcArgv, environment: gcEnv, scratch: node.scratch)
            XCTAssertTrue(gc.succeeded, "GC after the kill, \(context): \(gc.summary)")
            XCTAssertEqual(inspector.strayFiles(live: ["relkg-live"]), [], "after the second GC, \(context)")
            XCTAssertEqual(inspector.reservations().count, 1, "the live attachment keeps its address, \(context)")
        }
        print("crash safety (GC, seed \(seed), \(Self.gcTrials) trials, window \(Int(window * 1000)) ms): \(killed) killed")
        XCTAssertTrue(try node.exec("del", conflist: conflist, netns: livePod.path, id: "relkg-live").succeeded)
        XCTAssertEqual(inspector.strayFiles(), [])
    }

    func testKilledPortmapAddThenDelLeavesNoRules() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let seed = SeededRandom.seed(default: 0x9047_AA)
        var rng = SeededRandom(seed: seed)
        let node = try TestNode.reliabilityNode(prefix: "relkp", subnetEnv: Self.subnetEnv)
        defer { node.delete() }
        let pod = try node.newPod(loopbackUp: true)
        let flannel = node.flannelConfig()
        let inspector = StoreInspector(node: node)
        var killedWithChain = 0

        for trial in 0..<Self.portmapTrials {
            let id = "relkp-\(trial)"
            let context = "trial \(trial) (seed \(seed))"
            let add = try node.plugin("flannel", "ADD", id: id, pod: pod.path, config: flannel)
            XCTAssertTrue(add.succeeded, "flannel ADD, \(context): \(add.summary)")
            let portmap = #"{"cniVersion":"0.3.1","name":"cbr0","type":"portmap","capabilities":{"portMappings":true},"# +
                #""runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"},"# +
                #"{"hostPort":15353,"containerPort":53,"protocol":"udp"}]},"prevResult":\#(add.stdoutText)}"#
            let env = node.environment(command: "ADD", containerID: id, netns: pod.path)
            let child = try node.startPlugin("portmap", env: env, config: Array(portmap.utf8), ownProcessGroup: true)
            usleep(useconds_t(Double.random(in: 0...0.030, using: &rng) * 1_000_000))
            child.killGroup()
            child.wait()
            child.waitForGroupToVanish()
            if TestNode.perContainerChains(try node.natTable()).contains(where: { $0.hasPrefix("CNI-DN-") }) { killedWithChain += 1 }

            // The runtime's DEL of the chain, in reverse order, with the same config.
            let pmDel = try node.plugin("portmap", "DEL", id: id, pod: pod.path, config: portmap)
            XCTAssertTrue(pmDel.succeeded, "portmap DEL after the kill, \(context): \(pmDel.summary)")
            let flDel = try node.plugin("flannel", "DEL", id: id, pod: pod.path, config: flannel)
            XCTAssertTrue(flDel.succeeded, "flannel DEL, \(context): \(flDel.summary)")
            try inspector.assertClean(of: id, pod: pod, "after DEL, \(context)")
            let nat = try node.natTable()
            XCTAssertFalse(nat.contains("--dport 18080") || nat.contains("--dport 15353") || nat.contains("--dports 18080"),
                           "hostPort rules left, \(context):\n\(nat)")
        }
        print("crash safety (portmap, seed \(seed), \(Self.portmapTrials) trials): \(killedWithChain) left a CNI-DN- chain")

        // And portmap still works on this node afterwards.
        let add = try node.plugin("flannel", "ADD", id: "relkp-new", pod: pod.path, config: flannel)
        XCTAssertTrue(add.succeeded, add.summary)
        let portmap = #"{"cniVersion":"0.3.1","name":"cbr0","type":"portmap","runtimeConfig":{"portMappings":"# +
            #"[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]},"prevResult":\#(add.stdoutText)}"#
        let pm = try node.plugin("portmap", "ADD", id: "relkp-new", pod: pod.path, config: portmap)
        XCTAssertTrue(pm.succeeded, pm.summary)
        let address = ConcurrencyTests.address(in: add.stdoutText).split(separator: "/").first.map(String.init) ?? "?"
        XCTAssertTrue(try node.natTable().contains("--dport 18080 -j DNAT --to-destination \(address):80"))
        XCTAssertTrue(try node.plugin("portmap", "DEL", id: "relkp-new", pod: pod.path, config: portmap).succeeded)
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "relkp-new", pod: pod.path, config: flannel).succeeded)
        try inspector.assertClean(of: "relkp-new", pod: pod, "after the last ADD/DEL")
    }

    /// A kill -9 between creating and renaming a temp file leaves `.<name>.tmp-<pid>-<hex>` in the
    /// store (the kills above do, now and then). Nothing reads such files, but nothing may keep
    /// them forever either: the network's GC (libcni ≥ 1.2, conflist version 1.1.0) must remove
    /// them from host-local's store and from flannel's dataDir, and keep live attachments.
    func testGarbageCollectionRemovesTempFilesOfKilledWriters() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relgc", subnetEnv: Self.subnetEnv)
        defer { node.delete() }
        let pod = try node.newPod(loopbackUp: true)
        let conflist = try node.writeFlannelConflist(version: "1.1.0")
        let add = try node.exec("add", conflist: conflist, netns: pod.path, id: "relgc-live")
        XCTAssertTrue(add.succeeded, add.summary)
        let inspector = StoreInspector(node: node)
        let live = inspector.reservations()
        XCTAssertEqual(live.count, 1)
        // What killed writers leave (the names FileSystem.writeFileAtomically uses), partially written.
        let orphans = [inspector.storeDir + "/.10.244.1.77.tmp-4194301-5eed", node.flannelDir + "/.relgc-dead.tmp-4194301-5eed"]
        for path in orphans { XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("{\"cniVers".utf8))) }

        let gc = try ChildProcess.run([node.nsenter, "--net=" + node.path, "--", node.binary, "exec", "gc", conflist],
                                      environment: ["PATH": Command.pluginSearchPath, "CNI_PATH": node.pluginDir, "CNI_CACHE_DIR": node.cacheDir],
                                      scratch: node.scratch)
        XCTAssertTrue(gc.succeeded, gc.summary)
        for path in orphans {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "GC kept the orphaned temp file \(path)")
        }
        XCTAssertEqual(inspector.reservations(), live, "GC must keep the live attachment")
        XCTAssertTrue(FileManager.default.fileExists(atPath: node.flannelDir + "/relgc-live"))
        let del = try node.exec("del", conflist: conflist, netns: pod.path, id: "relgc-live")
        XCTAssertTrue(del.succeeded, del.summary)
        try inspector.assertClean(of: "relgc-live", pod: pod, "after DEL")
    }

    /// ADD succeeds and configures eth0; DEL succeeds and leaves nothing of `id`.
    static func assertAddWorks(_ node: TestNode, pod: TestNamespace, id: String, config: String,
                               _ context: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        let add = try node.plugin("flannel", "ADD", id: id, pod: pod.path, config: config)
        XCTAssertTrue(add.succeeded, "ADD \(id) \(context): \(add.summary)", file: file, line: line)
        let address = ConcurrencyTests.address(in: add.stdoutText)
        let eth0 = (try? pod.ip(["-4", "-o", "addr", "show", "dev", "eth0"])) ?? ""
        XCTAssertTrue(eth0.contains("inet \(address) "), "ADD \(id) \(context): eth0 has \(eth0)", file: file, line: line)
        let del = try node.plugin("flannel", "DEL", id: id, pod: pod.path, config: config)
        XCTAssertTrue(del.succeeded, "DEL \(id) \(context): \(del.summary)", file: file, line: line)
        try StoreInspector(node: node).assertClean(of: id, pod: pod, "after ADD+DEL of \(id) \(context)", file: file, line: line)
    }
}
