import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// One simulated node for integration tests: a "node" netns where the plugins run, pod netns
/// created on demand (all deleted on deinit), the temp tree of `FlannelFixture` (subnet.env,
/// flannel dataDir, host-local dataDir) and a CNI_PATH.
final class FlannelNode {
    let node: TestNamespace
    private(set) var pods: [TestNamespace] = []
    let files: FlannelFixture
    let cniPath: String
    private var keepAlive: [TemporaryDirectory] = []

    init(subnetEnv: String?, cniPath: String? = nil) throws {
        node = try TestNamespace(prefix: "flnode", loopbackUp: true)
        files = try FlannelFixture(subnetEnv: subnetEnv)
        var keep: [TemporaryDirectory] = []
        self.cniPath = try cniPath ?? FlannelNode.defaultPluginDir(keepAlive: &keep)
        keepAlive = keep
    }

    deinit {
        for pod in pods { pod.delete() }
        node.delete()
    }

    func newPod() throws -> TestNamespace {
        let pod = try TestNamespace(prefix: "flpod", loopbackUp: true)
        pods.append(pod)
        return pod
    }

    /// kube-flannel's flannel entry as libcni passes it (name and cniVersion injected), pointed
    /// at this node's temp files.
    func config(version: String = "0.3.1", ipamDataDir: String? = nil) -> String {
        #"{"cniVersion":"\#(version)","name":"cbr0","type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true},"# +
            #""subnetFile":"\#(files.subnetFile)","dataDir":"\#(files.dataDir)","ipam":{"dataDir":"\#(ipamDataDir ?? files.ipamDir)"}}"#
    }

    /// Runs the `flannel` binary from CNI_PATH inside the node netns.
    @discardableResult
    func flannel(_ command: String, pod: TestNamespace?, containerID: String, config: String)
        -> (status: Int32, stdout: String, stderr: String, json: JSONObject?)
    {
        let r = PluginRun.run(plugin: cniPath + "/flannel", command: command, containerID: containerID,
                              netns: pod?.path ?? "", ifname: "eth0",
                              cniArgs: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=test",
                              cniPath: cniPath, config: config, inNamespace: node)
        return (r.status, r.stdout, r.stderr, PluginRun.parsedJSON(r.stdout)?.objectValue)
    }

    /// The host-side veth names enslaved to cni0 (none when there is no cni0).
    /// The bridge ports once the kernel has finished tearing down veths of deleted pod netns
    /// (that happens asynchronously after `ip netns del`): polls up to 5 s for none to remain.
    func bridgePortsAfterTeardown() throws -> [String] {
        var ports = try bridgePorts()
        for _ in 0..<50 where !ports.isEmpty {
            usleep(100_000)
            ports = try bridgePorts()
        }
        return ports
    }

    func bridgePorts() throws -> [String] {
        guard try node.ip(["-o", "link", "show"]).contains(": cni0: ") else { return [] }
        return try node.ip(["-o", "link", "show", "master", "cni0"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            return String(fields[1].split(separator: "@").first ?? "").replacingOccurrences(of: ":", with: "")
        }
    }

    // MARK: - CNI_PATH directories

    /// FLANNEL_TEST_DELEGATES=reference: run our flannel with Debian's bridge and host-local
    /// (for use while ours are unfinished).
    static var referenceMode: Bool { ProcessInfo.processInfo.environment["FLANNEL_TEST_DELEGATES"] == "reference" }

    /// CNI_PATH for this node: our plugins, or `referenceDelegatesDir()` in reference mode (kept
    /// alive with the node).
    private static func defaultPluginDir(keepAlive: inout [TemporaryDirectory]) throws -> String {
        guard referenceMode else { return try ownPluginDir() }
        let dir = try referenceDelegatesDir()
        keepAlive.append(dir)
        return dir.path
    }

    /// flannel = ours; bridge, host-local, portmap, loopback = /usr/lib/cni (Debian 1.1.1).
    /// The caller keeps the directory alive.
    static func referenceDelegatesDir() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "flannel-refpath")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir.file("flannel"), withDestinationPath: try ownPluginDir() + "/flannel")
        for name in ["bridge", "host-local", "portmap", "loopback"] {
            try fm.createSymbolicLink(atPath: dir.file(name), withDestinationPath: PluginBinaries.referencePluginDir + "/" + name)
        }
        return dir
    }

    /// Like the node's CNI_PATH, except `host-local` is a wrapper that fails a command while
    /// `<dir>/fail-<COMMAND>` exists.
    static func failingIPAMDir() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "flannel-failpath")
        let ours = try ownPluginDir()
        let delegates = referenceMode ? PluginBinaries.referencePluginDir : ours
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir.file("flannel"), withDestinationPath: ours + "/flannel")
        for name in ["bridge", "portmap", "loopback"] {
            try fm.createSymbolicLink(atPath: dir.file(name), withDestinationPath: delegates + "/" + name)
        }
        let script = """
            #!/bin/sh
            if [ -e "$(dirname "$0")/fail-$CNI_COMMAND" ]; then
                printf '{"code":999,"msg":"host-local %s failed on purpose"}' "$CNI_COMMAND"
                exit 1
            fi
            exec \(delegates)/host-local "$@"

            """
        try script.write(toFile: dir.file("host-local"), atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.file("host-local"))
        return dir
    }

    /// `PluginBinaries.makePluginDir()`, after checking the binary exists.
    static func ownPluginDir() throws -> String {
        _ = try binary()
        return PluginBinaries.makePluginDir()
    }

    static func binary() throws -> String {
        guard let exe = PluginBinaries.executable else {
            throw MissingBinary()
        }
        return exe
    }
}

/// The multicall executable was not found next to the tests.
struct MissingBinary: Error, CustomStringConvertible {
    var description: String { "cni-plugins is not built (swift build, or set CNI_PLUGINS_BIN)" }
}
