import CNISystem
import Foundation

/// One simulated Kubernetes node for integration tests: the node's own network namespace (it *is*
/// a `TestNamespace`, loopback up), where every plugin runs as containerd would run it; pod
/// namespaces made on demand; a private temp tree for what a node keeps on disk (subnet.env,
/// flannel's and host-local's dataDirs, the runner's cache, a conflist directory, test-only
/// plugins, a `/run/lock` of its own); and a CNI_PATH. `delete()` removes the pods, then the node
/// (with every device in it); it runs on deinit too, so nothing is left when a test fails. The
/// temp tree goes with the last reference to the node.
package final class TestNode: TestNamespace, @unchecked Sendable {  // mutable state (pods) is behind podsLock
    /// Whose plugins the node runs.
    package enum Plugins: Sendable {
        /// The suite's multicall binary (`PluginBinaries.makePluginDir()`).
        case ours
        /// Debian's Go plugins (`PluginBinaries.referencePluginDir`).
        case reference
    }

    /// kube-flannel's subnet.env of a vxlan node with subnet 10.244.1.0/24.
    package static let vxlanSubnetEnv = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"

    /// The node's temp tree.
    package let root: TemporaryDirectory
    package let plugins: Plugins
    /// The directory the node's plugins are in.
    package let pluginDir: String
    /// CNI_PATH given to plugins: `extraPluginDir` first, then `pluginDir`.
    package let cniPath: String
    private var pods: [TestNamespace] = []
    private let podsLock = NSLock()
    private let podPrefix: String

    /// `<root>/subnet.env`, written at init when a text is given.
    package var subnetFile: String { root.file("subnet.env") }
    /// flannel's dataDir (saved delegate configs).
    package var flannelDir: String { root.file("flannel") }
    /// host-local's dataDir.
    package var ipamDir: String { root.file("ipam") }
    /// The runner's cache (CNI_CACHE_DIR of `cni-plugins exec`).
    package var cacheDir: String { root.file("cache") }
    /// A directory for conflists (`--netconf-dir` of the tools).
    package var netconfDir: String { root.file("net.d") }
    /// Test-only plugins (`installPlugin`), found before the real ones.
    package var extraPluginDir: String { root.file("bin") }
    /// The node's `/run/lock`: plugins run in a private mount namespace where it is mounted over
    /// `/run/lock`, so the plugins of one node share host locks (portmap's) but never take the machine's.
    package var runLockDir: String { root.file("run-lock") }

    /// Creates the node netns `<prefix>node-…` (loopback up) and its temp tree. Pods are named
    /// `<prefix>pod-…`. Needs root (`TestNamespace.isRoot`).
    package init(prefix: String = "cni", plugins: Plugins = .ours, subnetEnv: String? = nil) throws {
        let root = try TemporaryDirectory(prefix: prefix + "state")
        self.root = root
        self.plugins = plugins
        podPrefix = prefix + "pod"
        pluginDir = plugins == .ours ? PluginBinaries.makePluginDir() : PluginBinaries.referencePluginDir
        cniPath = root.file("bin") + ":" + pluginDir
        let fm = FileManager.default
        for dir in ["bin", "run-lock"] { try fm.createDirectory(atPath: root.file(dir), withIntermediateDirectories: true) }
        if let subnetEnv { try subnetEnv.write(toFile: root.file("subnet.env"), atomically: true, encoding: .utf8) }
        try super.init(prefix: prefix + "node", loopbackUp: true)
    }

    deinit { delete() }

    /// Deletes every pod namespace, then the node namespace. Idempotent.
    package override func delete() {
        podsLock.lock()
        let all = pods
        pods = []
        podsLock.unlock()
        for pod in all { pod.delete() }
        super.delete()
    }

    /// A new pod namespace (`<prefix>pod-…`, or `prefix`), deleted with the node.
    package func newPod(prefix: String? = nil, loopbackUp: Bool = false) throws -> TestNamespace {
        let pod = try TestNamespace(prefix: prefix ?? podPrefix, loopbackUp: loopbackUp)
        podsLock.lock()
        pods.append(pod)
        podsLock.unlock()
        return pod
    }

    // MARK: - Node setup

    /// A Linux bridge in the node (`cni0` unless named), with `addresses` (IPv6 ones without DAD).
    package func addBridge(_ name: String = "cni0", addresses: [String], mtu: Int? = nil, up: Bool = true) throws {
        try ip(["link", "add", name] + (mtu.map { ["mtu", String($0)] } ?? []) + ["type", "bridge"])
        for address in addresses { try ip(["addr", "add", address, "dev", name] + (address.contains(":") ? ["nodad"] : [])) }
        if up { try ip(["link", "set", name, "up"]) }
    }

    /// A veth from the node (`hostEnd`, with `hostAddresses`, enslaved to `master` when given) to
    /// `eth0` in `other` (with `addresses` and a default route via each of `gateways`), both ends up.
    /// IPv6 addresses go without DAD.
    package func addVeth(_ hostEnd: String, to other: TestNamespace, master: String? = nil, hostAddresses: [String] = [],
                        addresses: [String] = [], gateways: [String] = []) throws {
        try ip(["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", other.name])
        for address in hostAddresses { try ip(["addr", "add", address, "dev", hostEnd] + (address.contains(":") ? ["nodad"] : [])) }
        try ip(["link", "set", hostEnd] + (master.map { ["master", $0] } ?? []) + ["up"])
        for address in addresses { try other.ip(["addr", "add", address, "dev", "eth0"] + (address.contains(":") ? ["nodad"] : [])) }
        try other.ip(["link", "set", "eth0", "up"])
        for gateway in gateways { try other.ip((gateway.contains(":") ? ["-6"] : []) + ["route", "add", "default", "via", gateway]) }
    }

    /// IPv4 and IPv6 forwarding on in the node, as flannel's bridge setup leaves a node.
    package func enableForwarding() throws {
        try run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        try run(["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"])
    }

    /// Writes `text` to `subnetFile`.
    package func writeSubnetEnv(_ text: String) throws {
        try text.write(toFile: subnetFile, atomically: true, encoding: .utf8)
    }

    /// Writes `text` as `netconfDir/<name>` and returns its path.
    @discardableResult
    package func writeConflist(_ text: String, name: String = "10-flannel.conflist") throws -> String {
        try FileManager.default.createDirectory(atPath: netconfDir, withIntermediateDirectories: true)
        let path = netconfDir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Installs an executable script `name` (a `#!/bin/sh` body) in `extraPluginDir`.
    package func installPlugin(_ name: String, script body: String) throws {
        let path = extraPluginDir + "/" + name
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    // MARK: - Running plugins in the node

    /// The argv prefix that puts a command inside the node: `ip netns exec NODE`, then the private
    /// mount namespace with the node's `/run/lock`.
    package var execPrefix: [String] {
        ["ip", "netns", "exec", name] + privateMounts()
    }

    /// `unshare --mount` + `sh` that bind-mounts the node's `runLockDir` over `/run/lock` and
    /// `bootIDFile` (when given) over /proc/sys/kernel/random/boot_id, then execs the command in
    /// place, so its pid stays the one spawned.
    package func privateMounts(bootIDFile: String? = nil) -> [String] {
        let bootID = bootIDFile == nil ? "" : #" && mount --bind "$1" /proc/sys/kernel/random/boot_id"#
        return [SystemTool.find("unshare") ?? "/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                #"mount --bind "$0" /run/lock"# + bootID + #" && shift && exec "$@""#, runLockDir, bootIDFile ?? ""]
    }

    /// Runs `plugin` (a name in `pluginDir`, or a path) inside the node as a runtime does: CNI_*
    /// environment (nil ones unset, CNI_PATH = `cniPath`), `config` on stdin.
    @discardableResult
    package func runPlugin(_ plugin: String, command: String, containerID: String?, netns: String?,
                          ifname: String? = "eth0", cniArgs: String? = nil, config: String,
                          extraEnv: [String: String] = [:]) -> (status: Int32, stdout: String, stderr: String) {
        let env = PluginRun.environment(command: command, containerID: containerID, netns: netns, ifname: ifname,
                                        cniArgs: cniArgs, cniPath: cniPath, extraEnv: extraEnv)
        let path = plugin.hasPrefix("/") ? plugin : pluginDir + "/" + plugin
        return Command.run(execPrefix + [path], stdin: config, environment: env)
    }

    /// Runs the suite binary's libcni-style runner inside the node:
    /// `cni-plugins <subcommand> <arguments…>` with CNI_PATH, CNI_CACHE_DIR = `cacheDir`, CAP_ARGS
    /// and `extraEnv`.
    @discardableResult
    package func cniExec(_ arguments: [String], subcommand: String = "exec", capArgs: String? = nil,
                        extraEnv: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        var env = ["PATH": Command.pluginSearchPath, "CNI_PATH": cniPath, "CNI_CACHE_DIR": cacheDir]
        env["CAP_ARGS"] = capArgs
        for (k, v) in extraEnv { env[k] = v }
        return Command.run(execPrefix + [try PluginBinaries.requireExecutable(), subcommand] + arguments, environment: env)
    }
}
