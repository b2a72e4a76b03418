import CNITestSupport
import Foundation
import XCTest

/// The reliability tests' view of a `TestNode`: every plugin process is entered into the node
/// with `nsenter --net=`, which execs the plugin in place, so the spawned pid is the plugin's (and
/// the test can kill it); a simulated reboot; and readers of what the plugins left.
extension TestNode {
    /// A node with `subnetEnv` as subnet.env and a scratch directory for `ChildProcess` files.
    static func reliabilityNode(prefix: String, subnetEnv: String = TestNode.vxlanSubnetEnv) throws -> TestNode {
        _ = try PluginBinaries.requireExecutable()
        guard FileManager.default.isExecutableFile(atPath: nsenterPath) else { throw ChildProcessError("nsenter (util-linux) is needed") }
        let node = try TestNode(prefix: prefix, subnetEnv: subnetEnv)
        try FileManager.default.createDirectory(atPath: node.scratch, withIntermediateDirectories: true)
        return node
    }

    /// util-linux's `nsenter`.
    static let nsenterPath = ["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    } ?? "/usr/bin/nsenter"
    var nsenter: String { Self.nsenterPath }

    /// The suite binary (`reliabilityNode` checked that it exists).
    var binary: String { PluginBinaries.executable ?? "cni-plugins" }
    /// Where `ChildProcess` keeps a child's stdin/stdout/stderr files.
    var scratch: String { root.file("proc") }
    /// When it exists (`reboot()`), every plugin runs in a private mount namespace where this file is
    /// bind-mounted over /proc/sys/kernel/random/boot_id: a simulated boot, seen by nothing else on the machine.
    var bootIDFile: String? {
        let file = root.file("boot_id")
        return FileManager.default.fileExists(atPath: file) ? file : nil
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
        PluginRun.environment(command: command, containerID: containerID, netns: netns, ifname: ifname, cniArgs: args,
                              cniPath: pluginDir, extraEnv: extra, base: ["PATH": Command.pluginSearchPath])
    }

    /// `nsenter --net=<node> -- <pluginDir>/<plugin>`: argv whose pid becomes the plugin's (also
    /// through `mountWrapper`, which execs in place too).
    func argv(plugin: String) -> [String] {
        mountWrapper + [nsenter, "--net=" + path, "--", pluginDir + "/" + plugin]
    }

    /// The private mount namespace every plugin of the node runs in: the node's `/run/lock`, and
    /// `bootIDFile` once `reboot()` made one (`TestNode.privateMounts`).
    var mountWrapper: [String] { privateMounts(bootIDFile: bootIDFile) }

    /// Simulates a reboot for the plugins: a fresh random boot id (see `bootIDFile`).
    func reboot() throws -> String {
        let id = UUID().uuidString.lowercased()
        try (id + "\n").write(toFile: root.file("boot_id"), atomically: true, encoding: .utf8)
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
        var env: [String: String] = ["PATH": Command.pluginSearchPath, "CNI_PATH": pluginDir, "CNI_CACHE_DIR": cacheDir]
        env["CAP_ARGS"] = capArgs
        let argv = mountWrapper + [nsenter, "--net=" + path, "--", binary, "exec", verb, conflist, netns, id, "eth0"]
        return try ChildProcess.run(argv, environment: env, scratch: scratch)
    }

    // MARK: - Inspecting the node

    /// Link names in the node netns (`veth1234@if2` → `veth1234`).
    func nodeLinks() throws -> [String] {
        try Self.linkNames(ip(["-o", "link", "show"]))
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
        try run(["iptables-save", "-t", "nat"])
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
