import CNITestSupport
import Foundation
import XCTest

/// Node state across what ends pods without a DEL or changes the node under them: reboots (a new
/// boot id, pod netns gone), a new flannel lease, a full or read-only store.
final class StateSurvivalTests: XCTestCase {
    /// A /28: 13 pod addresses (.2 to .14; .1 is cni0's).
    static let smallSubnetEnv = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/28\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
    static let podsPerBoot = 13

    /// Four boots on a full /28: after each simulated reboot (pods' netns deleted without DEL, a new
    /// boot id) the first ADD releases the earlier boot's 13 reservations, says so once, and the new
    /// pods get the same addresses again; a DEL of an old container is a no-op success.
    func testThreeRebootsWithAFullRangeStillGiveAddresses() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relrb", subnetEnv: Self.smallSubnetEnv)
        defer { node.delete() }
        let config = node.flannelConfig()
        let inspector = StoreInspector(node: node)
        let all = (2...14).map { "10.244.1.\($0)/28" }
        var earlier: [String] = []
        for boot in 0...3 {
            let bootID = try node.reboot()
            var ids: [String] = [], pods: [TestNamespace] = [], addresses: [String] = []
            for i in 0..<Self.podsPerBoot {
                let id = "relrb-\(boot)-\(i)", pod = try node.newPod()
                let add = try node.plugin("flannel", "ADD", id: id, pod: pod.path, config: config)
                XCTAssertTrue(add.succeeded, "boot \(boot), ADD \(i): \(add.summary)")
                let said = add.stderrText.components(separatedBy: "of an earlier boot").count - 1
                if boot > 0 && i == 0 {
                    XCTAssertTrue(add.stderrText.contains("released 13 reservation(s) of an earlier boot"), add.stderrText)
                    XCTAssertTrue(add.stderrText.contains("now \(bootID)"), add.stderrText)
                    XCTAssertTrue(add.stderrText.contains("dropped 13 saved config(s) of an earlier boot"), add.stderrText)
                    XCTAssertEqual(said, 2, "host-local and flannel say it once each: \(add.stderrText)")
                } else {
                    XCTAssertEqual(said, 0, "boot \(boot), ADD \(i): \(add.stderrText)")
                }
                ids.append(id)
                pods.append(pod)
                addresses.append(ConcurrencyTests.address(in: add.stdoutText))
            }
            XCTAssertEqual(addresses, all, "boot \(boot): the range restarts, the old addresses come back")
            let extraPod = try node.newPod()
            let full = try node.plugin("flannel", "ADD", id: "relrb-\(boot)-extra", pod: extraPod.path, config: config)
            XCTAssertFalse(full.succeeded)
            XCTAssertTrue(full.stdoutText.contains("no IP addresses available in range set"), full.stdoutText)
            if let old = earlier.first {
                let del = try node.plugin("flannel", "DEL", id: old, pod: "/run/netns/gone-\(old)", config: config)
                XCTAssertTrue(del.succeeded, "DEL of a container of the earlier boot: \(del.summary)")
            }
            XCTAssertEqual(inspector.reservations().count, Self.podsPerBoot)
            XCTAssertEqual(inspector.strayFiles(live: Set(ids)), [], "boot \(boot)")
            // The reboot: every pod netns goes, no DEL is sent.
            for pod in pods + [extraPod] { pod.delete() }
            earlier = ids
        }
    }

    /// flannel's lease changed and no pod is on cni0: the next ADD replaces the old gateway (and
    /// its routes) by itself.
    func testLeaseChangeWithAnEmptyBridgeNeedsNoHuman() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relle")
        defer { node.delete() }
        let config = node.flannelConfig()
        let pod = try node.newPod()
        let first = try node.plugin("flannel", "ADD", id: "relle-a", pod: pod.path, config: config)
        XCTAssertEqual(ConcurrencyTests.address(in: first.stdoutText), "10.244.1.2/24", first.summary)
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "relle-a", pod: pod.path, config: config).succeeded)
        try Self.writeLease(node, "10.244.7.1/24")

        let add = try node.plugin("flannel", "ADD", id: "relle-b", pod: pod.path, config: config)
        XCTAssertTrue(add.succeeded, add.summary)
        XCTAssertEqual(ConcurrencyTests.address(in: add.stdoutText), "10.244.7.2/24")
        XCTAssertTrue(add.stderrText.contains("cni0 carried 10.244.1.1/24 of the node's earlier subnet; no pod was attached,"
                                              + " replaced it with 10.244.7.1/24"), add.stderrText)
        let addresses = try node.ip(["-4", "-o", "addr", "show", "dev", "cni0"])
        XCTAssertTrue(addresses.contains("inet 10.244.7.1/24"), addresses)
        XCTAssertFalse(addresses.contains("10.244.1.1"), addresses)
        XCTAssertFalse(try node.ip(["-4", "route"]).contains("10.244.1.0/24"))
        XCTAssertTrue(try pod.ip(["-4", "route"]).contains("default via 10.244.7.1"))
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "relle-b", pod: pod.path, config: config).succeeded)
        XCTAssertEqual(StoreInspector(node: node).strayFiles(), [])
    }

    /// With a pod of the old subnet still on cni0, ADD fails naming both subnets and the fix and
    /// leaves nothing; cni-inspect says the same, and once the pod is gone `--fix` replaces the
    /// address, after which ADD works.
    func testLeaseChangeWithPodsAttachedSaysWhatToDo() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let node = try TestNode.reliabilityNode(prefix: "rellp")
        defer { node.delete() }
        let config = node.flannelConfig()
        let oldPod = try node.newPod(), newPod = try node.newPod()
        XCTAssertTrue(try node.plugin("flannel", "ADD", id: "rellp-old", pod: oldPod.path, config: config).succeeded)
        try Self.writeLease(node, "10.244.7.1/24")

        let blocked = try node.plugin("flannel", "ADD", id: "rellp-new", pod: newPod.path, config: config)
        XCTAssertFalse(blocked.succeeded)
        for part in ["10.244.1.0/24", "10.244.7.0/24", "cni-inspect --fix", "1 pod(s) of the old subnet"] {
            XCTAssertTrue(blocked.stdoutText.contains(part), "\(part) missing: \(blocked.stdoutText)")
        }
        let inspector = StoreInspector(node: node)
        XCTAssertEqual(inspector.strayFiles(live: ["rellp-old"]), [], "the failed ADD left nothing")
        XCTAssertEqual(TestNode.linkNames(try newPod.ip(["-o", "link", "show"])), ["lo"])
        XCTAssertEqual(try node.nodeLinks().filter { $0.hasPrefix("veth") }.count, 1)

        let inspect = try Self.inspect(node, fix: true)
        XCTAssertEqual(inspect.exitCode, 3, inspect.summary)
        XCTAssertTrue(inspect.stdoutText.contains("old subnet 10.244.1.0/24, new subnet 10.244.7.0/24; pods still attached: veth"),
                      inspect.stdoutText)
        XCTAssertTrue(inspect.stdoutText.contains("then run cni-inspect --fix"), inspect.stdoutText)
        XCTAssertTrue(try node.ip(["-4", "-o", "addr", "show", "dev", "cni0"]).contains("10.244.1.1/24"), "not touched yet")

        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "rellp-old", pod: oldPod.path, config: config).succeeded)
        let fixed = try Self.inspect(node, fix: true)
        XCTAssertEqual(fixed.exitCode, 0, fixed.summary)
        XCTAssertTrue(fixed.stdoutText.contains("ip addr del 10.244.1.1/24 dev cni0"), fixed.stdoutText)
        let addresses = try node.ip(["-4", "-o", "addr", "show", "dev", "cni0"])
        XCTAssertTrue(addresses.contains("inet 10.244.7.1/24") && !addresses.contains("10.244.1.1"), addresses)
        let add = try node.plugin("flannel", "ADD", id: "rellp-new", pod: newPod.path, config: config)
        XCTAssertTrue(ConcurrencyTests.address(in: add.stdoutText).hasPrefix("10.244.7."), add.summary)
        XCTAssertFalse(add.stderrText.contains("replaced"), "cni-inspect did it already: \(add.stderrText)")
        XCTAssertTrue(try node.plugin("flannel", "DEL", id: "rellp-new", pod: newPod.path, config: config).succeeded)
    }

    /// A full store filesystem (a small tmpfs, mounted in a private mount namespace) and a read-only
    /// one: ADD fails with a CNI error naming the cause, undoes the veth and leaves no file.
    func testFullAndReadOnlyStoresFailCleanly() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network and mount namespaces")
        let node = try TestNode.reliabilityNode(prefix: "relfs")
        defer { node.delete() }
        let pod = try node.newPod()
        let full = node.root.file("full"), readOnly = node.root.file("ro"), out = node.root.file("out")
        for dir in [full, readOnly, out] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        func config(flannel: String, ipam: String) throws -> String {
            let path = node.root.file("cfg-\(abs(flannel.hashValue ^ ipam.hashValue))")
            let text = #"{"cniVersion":"0.3.1","name":"cbr0","type":"flannel","subnetFile":"\#(node.subnetFile)","dataDir":"\#(flannel)","# +
                #""ipam":{"dataDir":"\#(ipam)"},"delegate":{"hairpinMode":true,"isDefaultGateway":true}}"#
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let ipamFull = try config(flannel: node.flannelDir, ipam: full + "/ipam")
        let flannelFull = try config(flannel: full + "/flannel", ipam: node.ipamDir)
        let ipamReadOnly = try config(flannel: node.flannelDir, ipam: readOnly + "/ipam")
        let script = """
            set -u
            run() {
              CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=\(pod.path) CNI_IFNAME=eth0 CNI_PATH=\(node.pluginDir) \\
                \(node.nsenter) --net=\(node.path) -- \(node.pluginDir)/flannel < $3 > \(out)/$2.$1.out 2> \(out)/$2.$1.err
              echo $? > \(out)/$2.$1.rc
            }
            mount -t tmpfs -o size=1m,mode=0755 cnitest-full \(full) || exit 20
            run ADD relfs-w1 \(ipamFull); run DEL relfs-w1 \(ipamFull)
            run ADD relfs-w2 \(flannelFull); run DEL relfs-w2 \(flannelFull)
            run ADD relfs-w3 \(ipamReadOnly); run DEL relfs-w3 \(ipamReadOnly)
            dd if=/dev/zero of=\(full)/fill bs=4096 2>/dev/null
            run ADD relfs-a \(ipamFull)
            run ADD relfs-b \(flannelFull)
            ls -A \(full)/ipam/cbr0 > \(out)/ls-full-ipam
            ls -A \(full)/flannel > \(out)/ls-full-flannel
            mount --bind \(readOnly) \(readOnly) && mount -o remount,bind,ro \(readOnly) || exit 21
            run ADD relfs-c \(ipamReadOnly)
            ls -A \(readOnly)/ipam/cbr0 > \(out)/ls-ro-ipam
            """
        let run = try ChildProcess.run(["/usr/bin/unshare", "-m", "--", "/bin/sh", "-c", script],
                                       environment: ["PATH": Command.pluginSearchPath], scratch: node.scratch)
        XCTAssertTrue(run.succeeded, run.summary)
        func text(_ name: String) -> String { (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) ?? "<missing>" }
        for warm in ["relfs-w1", "relfs-w2", "relfs-w3"] {
            XCTAssertEqual(text("\(warm).ADD.rc"), "0\n", text("\(warm).ADD.out"))
        }
        for (id, cause) in [("relfs-a", "no space left on device"), ("relfs-b", "no space left on device"), ("relfs-c", "read-only file system")] {
            XCTAssertEqual(text("\(id).ADD.rc"), "1\n", id)
            let error = try? PluginRun.decode(PluginErrorOutput.self, from: text("\(id).ADD.out"))
            XCTAssertNotNil(error?.code, "\(id): \(text("\(id).ADD.out"))")
            XCTAssertTrue(error?.msg.contains(cause) == true, "\(id): \(text("\(id).ADD.out"))")
        }
        XCTAssertEqual(text("ls-full-ipam"), "boot_id\nlast_reserved_ip.0\nlock\n")
        XCTAssertEqual(text("ls-full-flannel"), ".boot_id\n.lock\n")
        XCTAssertEqual(text("ls-ro-ipam"), "boot_id\nlast_reserved_ip.0\nlock\n")
        XCTAssertEqual(StoreInspector(node: node).strayFiles(), [], "nothing of the failed ADDs on the regular disk either")
        XCTAssertEqual(TestNode.linkNames(try pod.ip(["-o", "link", "show"])), ["lo"])
        XCTAssertEqual(try node.nodeLinks().filter { $0.hasPrefix("veth") }, [], "the veths were undone")
        print("full store: \(text("relfs-a.ADD.out"))\nread-only store: \(text("relfs-c.ADD.out"))")
    }

    // MARK: - Helpers

    static func writeLease(_ node: TestNode, _ subnet: String) throws {
        let text = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=\(subnet)\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
        try text.write(toFile: node.subnetFile, atomically: true, encoding: .utf8)
    }

    /// cni-inspect on this node only: its own conflist directory, plugins, stores and cache.
    static func inspect(_ node: TestNode, fix: Bool) throws -> ChildProcess.Outcome {
        let netconf = node.root.file("net.d")
        try FileManager.default.createDirectory(atPath: netconf, withIntermediateDirectories: true)
        let conflist = try String(contentsOfFile: try node.writeFlannelConflist(), encoding: .utf8)
        try conflist.write(toFile: netconf + "/10-flannel.conflist", atomically: true, encoding: .utf8)
        let argv = [node.binary, "inspect", "--netns", node.path, "--subnet-file", node.subnetFile,
                    "--ipam-dir", node.ipamDir, "--flannel-dir", node.flannelDir, "--cni-path", node.pluginDir,
                    "--netconf-dir", netconf, "--cache-dir", node.cacheDir]
            + (fix ? ["--fix", "--yes"] : [])
        return try ChildProcess.run(argv, environment: ["PATH": Command.pluginSearchPath], scratch: node.scratch)
    }
}
