import CNITestSupport
import Foundation
import XCTest

/// One simulated Kubernetes node: a private "node" netns where every plugin process runs (entered
/// with `nsenter --net=`, which execs the plugin in place, so the spawned pid is the plugin's),
/// pod netns created on demand, and a temp tree with flannel's subnet.env, flannel's dataDir,
/// host-local's dataDir and the runner's result cache. `tearDown()` deletes every namespace and
/// is also called on deinit.
final class ReliabilityNode: @unchecked Sendable {  // mutable state (pods) is behind podsLock
    static let path = Command.pluginSearchPath
    static let vxlanSubnetEnv = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"

    let node: TestNamespace
    let root: TemporaryDirectory
    let binary: String
    let pluginDir: String
    let nsenter: String
    private var pods: [TestNamespace] = []
    private let podsLock = NSLock()
    /// When set, every plugin runs in a private mount namespace where this file is bind-mounted
    /// over /proc/sys/kernel/random/boot_id: a simulated boot, seen by nothing else on the machine.
    var bootIDFile: String?

    var subnetFile: String { root.file("subnet.env") }
    var flannelDir: String { root.file("flannel") }
    var ipamDir: String { root.file("ipam") }
    var cacheDir: String { root.file("cache") }
    var scratch: String { root.file("proc") }

    init(prefix: String, subnetEnv: String = ReliabilityNode.vxlanSubnetEnv) throws {
        binary = try XCTUnwrap(PluginBinaries.executable, "cni-plugins is not built (swift build, or set CNI_PLUGINS_BIN)")
        pluginDir = PluginBinaries.makePluginDir()
        nsenter = try XCTUnwrap(["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }, "nsenter (util-linux) is needed")
        let root = try TemporaryDirectory(prefix: prefix)
        try FileManager.default.createDirectory(atPath: root.file("proc"), withIntermediateDirectories: true)
        try subnetEnv.write(toFile: root.file("subnet.env"), atomically: true, encoding: .utf8)
        self.root = root
        node = try TestNamespace(prefix: prefix + "n", loopbackUp: true)
    }

    deinit { tearDown() }

    /// Deletes every pod namespace and the node namespace. Idempotent.
    func tearDown() {
        podsLock.lock()
        let all = pods
        pods = []
        podsLock.unlock()
        for pod in all { pod.delete() }
        node.delete()
    }

    /// A new pod netns, deleted by `tearDown()`.
    func newPod(loopbackUp: Bool = false) throws -> TestNamespace {
        let pod = try TestNamespace(prefix: "relpod", loopbackUp: loopbackUp)
        podsLock.lock()
        pods.append(pod)
        podsLock.unlock()
        return pod
    }

    // MARK: - Configs

    /// kube-flannel's flannel entry with this node's temp paths (name/cniVersion as libcni injects them).
    func flannelConfig(version: String = "0.3.1", name: String = "cbr0") -> String {
        #"{"cniVersion":"\#(version)","name":"\#(name)","type":"flannel","# + flannelKeys + "}"
    }

    private var flannelKeys: String {
        #""subnetFile":"\#(subnetFile)","dataDir":"\#(flannelDir)","ipam":{"dataDir":"\#(ipamDir)"},"# +
            #""delegate":{"hairpinMode":true,"isDefaultGateway":true}"#
    }

    /// kube-flannel's conflist (flannel then portmap) with this node's temp paths, written to a file.
    func writeFlannelConflist(version: String = "0.3.1") throws -> String {
        let text = #"{"name":"cbr0","cniVersion":"\#(version)","plugins":[{"type":"flannel","# + flannelKeys +
            #"},{"type":"portmap","capabilities":{"portMappings":true}}]}"#
        let file = root.file("flannel-\(version).conflist")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    // MARK: - Running plugins inside the node netns

    /// The environment a runtime gives a plugin; nil values are left unset.
    func environment(command: String, containerID: String?, netns: String?, ifname: String? = "eth0",
                     args: String? = nil, extra: [String: String?] = [:]) -> [String: String] {
        var env: [String: String] = ["PATH": Self.path, "CNI_COMMAND": command, "CNI_PATH": pluginDir]
        env["CNI_CONTAINERID"] = containerID
        env["CNI_NETNS"] = netns
        env["CNI_IFNAME"] = ifname
        env["CNI_ARGS"] = args
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// `nsenter --net=<node> -- <pluginDir>/<plugin>`: argv whose pid becomes the plugin's (also
    /// through the boot-id wrapper, which execs in place too).
    func argv(plugin: String) -> [String] {
        bootWrapper + [nsenter, "--net=" + node.path, "--", pluginDir + "/" + plugin]
    }

    /// `unshare -m sh -c 'mount --bind <file> /proc/sys/kernel/random/boot_id && exec "$@"'`.
    var bootWrapper: [String] {
        guard let bootIDFile else { return [] }
        return ["/usr/bin/unshare", "-m", "--", "/bin/sh", "-c",
                #"mount --bind "$0" /proc/sys/kernel/random/boot_id && exec "$@""#, bootIDFile]
    }

    /// Simulates a reboot for the plugins: a fresh random boot id (see `bootIDFile`).
    func reboot() throws -> String {
        let id = UUID().uuidString.lowercased()
        let file = root.file("boot_id-\(id)")
        try (id + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        bootIDFile = file
        return id
    }

    /// Starts a plugin; with `ownProcessGroup` its helpers (iptables-restore, ...) can be killed with it.
    func startPlugin(_ plugin: String, env: [String: String], config: [UInt8], ownProcessGroup: Bool = false) throws -> ChildProcess {
        try ChildProcess.start(argv(plugin: plugin), environment: env, stdin: config, scratch: scratch, ownProcessGroup: ownProcessGroup)
    }

    func runPlugin(_ plugin: String, env: [String: String], config: [UInt8]) throws -> ChildProcess.Outcome {
        try startPlugin(plugin, env: env, config: config).wait()
    }

    /// A plugin run the usual way: `command` for `containerID`/eth0 in `pod`.
    func plugin(_ plugin: String, _ command: String, id: String, pod: String?, config: String,
                args: String? = nil) throws -> ChildProcess.Outcome {
        try runPlugin(plugin, env: environment(command: command, containerID: id, netns: pod, args: args),
                      config: Array(config.utf8))
    }

    /// The libcni-style runner of the multicall binary: `cni-plugins exec <verb> <conflist> <netns> <id> eth0`.
    func exec(_ verb: String, conflist: String, netns: String, id: String, capArgs: String? = nil) throws -> ChildProcess.Outcome {
        var env: [String: String] = ["PATH": Self.path, "CNI_PATH": pluginDir, "CNI_CACHE_DIR": cacheDir]
        env["CAP_ARGS"] = capArgs
        let argv = bootWrapper + [nsenter, "--net=" + node.path, "--", binary, "exec", verb, conflist, netns, id, "eth0"]
        return try ChildProcess.run(argv, environment: env, scratch: scratch)
    }

    // MARK: - Inspecting the node

    /// Link names in the node netns (`veth1234@if2` → `veth1234`).
    func nodeLinks() throws -> [String] {
        try Self.linkNames(node.ip(["-o", "link", "show"]))
    }

    static func linkNames(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            return String(fields[1].dropLast().split(separator: "@").first ?? "")
        }
    }

    /// `iptables-save -t nat` of the node.
    func natTable() throws -> String {
        try node.run(["iptables-save", "-t", "nat"])
    }

    /// Names of regular files in `dir` (empty when it does not exist), hidden ones included.
    static func files(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    /// flannel's dataDir without its own `.boot_id` and `.lock`: saved configs and temp files.
    func flannelFiles() -> [String] {
        Self.files(in: flannelDir).filter { $0 != ".boot_id" && $0 != ".lock" }
    }

    /// host-local reservation files of network `name` (address-named files).
    func reservations(network: String = "cbr0") -> [String] {
        Self.files(in: ipamDir + "/" + network).filter { $0.first?.isNumber == true || $0.contains(":") }
    }

    /// Lines of the nat table that belong to one attachment (its comment or its per-container chains).
    static func natLines(_ nat: String, containerID: String) -> [String] {
        nat.split(separator: "\n").map(String.init).filter { $0.contains("id: \\\"\(containerID)\\\"") }
    }

    /// Per-container chains (`CNI-<24 hex>` masquerade, `CNI-DN-<21 hex>` portmap) declared in `nat`.
    static func perContainerChains(_ nat: String) -> [String] {
        nat.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix(":CNI-") else { return nil }
            let name = String(line.dropFirst().split(separator: " ").first ?? "")
            return name.hasPrefix("CNI-HOSTPORT-") ? nil : name
        }
    }
}
