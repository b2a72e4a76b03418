import CNITestSupport
import Foundation
import XCTest

/// The real `cni-plugins` binary on a simulated flannel node: three pods through the kube-flannel
/// chain (flannel → bridge → host-local, then portmap), then a leaked reservation, a pod netns
/// deleted without DEL and a stray hostPort rule. `cni-inspect` must list the two healthy pods,
/// report exactly those three problems, and `--fix --yes` must clear them.
final class InspectIntegrationTests: XCTestCase {
    func testFindsAndFixesWhatAGoneContainerLeftBehind() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try TestNode.inspectNode()
        let pods = try (0..<3).map { _ in try n.newPod(loopbackUp: true) }

        let ids = ["pod-a", "pod-b", "pod-c"]
        var ips: [String] = []
        for (i, pod) in pods.enumerated() {
            let mapping = i == 0 ? #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]"#
                : i == 2 ? #"[{"hostPort":9090,"containerPort":90,"protocol":"tcp"}]"# : nil
            ips.append(try n.add(pod, id: ids[i], portMappings: mapping))
        }

        // The three leaks: a reservation nobody holds, a pod netns deleted without DEL, a stray rule.
        try "ghost\r\neth0".write(toFile: n.ipamDir + "/cbr0/10.244.1.200", atomically: true, encoding: .utf8)
        pods[2].delete()
        try waitUntilBridgeHasPorts(2, in: n)  // the kernel destroys a deleted netns's devices asynchronously
        let gone = "CNI-DN-" + String(sha512Hex("cbr0gone").prefix(21))
        try n.run(["iptables-restore", "--noflush", "-w", "10"], stdin: """
            *nat
            :\(gone) - [0:0]
            -A \(gone) -p tcp -m tcp --dport 7777 -j DNAT --to-destination 10.244.1.250:77
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"gone\\"" -m multiport --dports 7777 -j \(gone)
            COMMIT

            """)

        let (status, report) = try n.inspectJSON()
        XCTAssertEqual(status, 3, "exit status 3: problems found")
        let diagnosis = "notes: \(report.notes); ports: \(report.bridge?.ports.map(\.name) ?? [])"
        let listed = report.pods
        XCTAssertEqual(listed.map(\.containerID), ["pod-a", "pod-b"], diagnosis)
        XCTAssertEqual(listed.map(\.netns), [pods[0].path, pods[1].path], diagnosis)
        XCTAssertEqual(listed.map(\.ips), [[ips[0]], [ips[1]]], diagnosis)
        XCTAssertEqual(listed.map(\.match), ["exact", "exact"], diagnosis)
        for (i, pod) in listed.enumerated() {
            XCTAssertEqual(pod.hairpin, true)
            XCTAssertEqual(pod.mtu, 1450)
            XCTAssertEqual(pod.ifname, "eth0")
            let mac = try pods[i].ip(["-o", "link", "show", "eth0"])
            XCTAssertTrue(mac.contains("link/ether \(pod.mac ?? "?")"), mac)
            let veth = try n.ip(["-o", "link", "show", "master", "cni0"])
            XCTAssertTrue(veth.contains(": \(pod.hostVeth)@"), veth)
        }
        XCTAssertEqual(report.hostPorts.map { "\($0.containerID) \($0.hostPort) \($0.destination)" }.sorted(), [
            "gone 7777 10.244.1.250:77",
            "pod-a 8080 \(ips[0].split(separator: "/")[0]):80",
            "pod-c 9090 \(ips[2].split(separator: "/")[0]):90",
        ])
        XCTAssertEqual(report.problemList, ["stale-container pod-c", "leaked-ip ghost", "stale-rules gone"], diagnosis)
        let staleDetails = report.problems.first?.details ?? []
        XCTAssertTrue(staleDetails.contains { $0.hasPrefix("IP \(ips[2].split(separator: "/")[0]) ") }, "\(staleDetails)")
        XCTAssertTrue(staleDetails.contains { $0.hasPrefix("saved flannel config: \(n.flannelDir)/pod-c") }, "\(staleDetails)")

        let human = n.inspect([], viaSubcommand: true)
        XCTAssertEqual(human.status, 3, human.stderr)
        XCTAssertTrue(human.stdout.contains("problems: 3"), human.stdout)
        XCTAssertTrue(human.stdout.contains("cni0 address 10.244.1.1/24: agrees"), human.stdout)

        // --fix --yes, then the kernel and the files must be clean and the healthy pods untouched.
        let (fixStatus, fixed) = try n.inspectJSON(["--fix", "--yes"])
        XCTAssertEqual(fixStatus, 0, "\(fixed.problemList) \(fixed.fix ?? []) notes: \(fixed.notes)")
        let actions = try XCTUnwrap(fixed.fix)
        XCTAssertFalse(actions.isEmpty)
        XCTAssertTrue(actions.allSatisfy(\.ok), "\(actions)")
        XCTAssertEqual(fixed.problemList, [])

        let store = try FileManager.default.contentsOfDirectory(atPath: n.ipamDir + "/cbr0").filter { $0.hasPrefix("10.") }.sorted()
        XCTAssertEqual(store, [ips[0], ips[1]].map { String($0.split(separator: "/")[0]) }.sorted())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: n.flannelDir).sorted(), [".boot_id", ".lock", "pod-a", "pod-b"])
        let nat = try n.run(["iptables-save", "-t", "nat"])
        XCTAssertFalse(nat.contains(gone), nat)
        XCTAssertFalse(nat.contains("id: \\\"pod-c\\\""), nat)
        XCTAssertTrue(nat.contains("id: \\\"pod-a\\\""), nat)
        XCTAssertEqual(try n.ip(["-o", "link", "show", "master", "cni0"]).split(separator: "\n").count, 2)
        for pod in pods.prefix(2) { XCTAssertTrue(try pod.ip(["-o", "addr", "show", "eth0"]).contains("10.244.1.")) }

        let (again, clean) = try n.inspectJSON()
        XCTAssertEqual(again, 0)
        XCTAssertEqual(clean.problemList, [])
        XCTAssertEqual(clean.pods.count, 2)
    }

    /// Polls (bounded) until the node's cni0 has `count` ports.
    private func waitUntilBridgeHasPorts(_ count: Int, in node: TestNamespace) throws {
        for _ in 0..<200 {
            if try node.ip(["-o", "link", "show", "master", "cni0"]).split(separator: "\n").count == count { return }
            usleep(50_000)
        }
        XCTFail("cni0 never got down to \(count) ports")
    }

    private func sha512Hex(_ text: String) -> String {
        Command.run(["sha512sum"], stdin: text).stdout.split(separator: " ").first.map(String.init) ?? ""
    }
}

/// A flannel node for the inspector: subnet.env, the kube-flannel conflist on the node's temp tree,
/// and a `cni-inspect` link to the suite binary.
extension TestNode {
    fileprivate static func inspectNode() throws -> TestNode {
        let bin = try PluginBinaries.requireExecutable()
        let node = try TestNode(prefix: "ins", subnetEnv: TestNode.vxlanSubnetEnv)
        try node.writeConflist(InstallFixture.conflist(subnetFile: node.subnetFile, dataDir: node.flannelDir, ipamDir: node.ipamDir))
        try FileManager.default.createSymbolicLink(atPath: node.inspectLink, withDestinationPath: bin)
        return node
    }

    fileprivate var conflist: String { netconfDir + "/10-flannel.conflist" }
    fileprivate var inspectLink: String { root.file("cni-inspect") }

    fileprivate var inspectArguments: [String] {
        ["--netns", name, "--subnet-file", subnetFile, "--ipam-dir", ipamDir, "--flannel-dir", flannelDir, "--cni-path", pluginDir,
         "--netconf-dir", netconfDir, "--cache-dir", cacheDir]
    }

    /// `cni-exec add` inside the node netns, as kubelet → containerd → libcni would run the chain.
    /// Returns the pod's first address (with its prefix) from the result.
    fileprivate func add(_ pod: TestNamespace, id: String, portMappings: String?) throws -> String {
        let r = try cniExec(["add", conflist, pod.path, id, "eth0"], capArgs: portMappings.map { #"{"portMappings":\#($0)}"# })
        XCTAssertEqual(r.status, 0, "ADD \(id): \(r.stdout) \(r.stderr)")
        struct Result: Decodable {
            struct IP: Decodable { let address: String }
            let ips: [IP]
        }
        let result = try JSONDecoder().decode(Result.self, from: Data(r.stdout.utf8))
        return try XCTUnwrap(result.ips.first?.address, "no IP in \(r.stdout)")
    }

    /// Runs the inspector (through the `cni-inspect` link unless `viaSubcommand`).
    fileprivate func inspect(_ extra: [String], viaSubcommand: Bool = false) -> (status: Int32, stdout: String, stderr: String) {
        let argv = viaSubcommand ? [binary, "inspect"] : [inspectLink]
        return Command.run(argv + inspectArguments + extra)
    }

    fileprivate var binary: String { PluginBinaries.executable ?? "cni-plugins" }

    fileprivate func inspectJSON(_ extra: [String] = []) throws -> (status: Int32, report: InspectReport) {
        let r = inspect(["--json"] + extra)
        let report = try InspectReport(json: r.stdout, stderr: r.stderr)
        return (r.status, report)
    }
}
