import CNITestSupport
import CNIValues
import Foundation

/// The flannel tests' view of a `TestNode`: kube-flannel's config pointed at the node's temp
/// tree, our `flannel` run inside the node, and the bridge ports it left.
extension TestNode {
    /// A node for flannel with `subnetEnv` as its subnet.env (none when nil). With
    /// FLANNEL_TEST_DELEGATES=reference our flannel delegates to Debian's bridge and host-local.
    static func flannel(subnetEnv: String?) throws -> TestNode {
        _ = try PluginBinaries.requireExecutable()
        let node = try TestNode(prefix: "fl", subnetEnv: subnetEnv)
        if flannelReferenceMode { try node.useReferenceDelegates() }
        return node
    }

    /// FLANNEL_TEST_DELEGATES=reference: run our flannel with Debian's bridge and host-local.
    static var flannelReferenceMode: Bool { ProcessInfo.processInfo.environment["FLANNEL_TEST_DELEGATES"] == "reference" }

    /// flannel stays ours; bridge, host-local, portmap, loopback become /usr/lib/cni's (Debian 1.1.1),
    /// linked into `extraPluginDir`, which comes first in CNI_PATH.
    func useReferenceDelegates() throws {
        for name in ["bridge", "host-local", "portmap", "loopback"] {
            try? FileManager.default.removeItem(atPath: extraPluginDir + "/" + name)
            try FileManager.default.createSymbolicLink(atPath: extraPluginDir + "/" + name,
                                                       withDestinationPath: PluginBinaries.referencePluginDir + "/" + name)
        }
    }

    /// Makes `host-local` a wrapper that fails a command while `extraPluginDir/fail-<COMMAND>` exists.
    func useFailingIPAM() throws {
        let delegates = Self.flannelReferenceMode ? PluginBinaries.referencePluginDir : pluginDir
        try? FileManager.default.removeItem(atPath: extraPluginDir + "/host-local")
        try installPlugin("host-local", script: """
            if [ -e "$(dirname "$0")/fail-$CNI_COMMAND" ]; then
                printf '{"code":999,"msg":"host-local %s failed on purpose"}' "$CNI_COMMAND"
                exit 1
            fi
            exec \(delegates)/host-local "$@"

            """)
    }

    /// kube-flannel's flannel entry as libcni passes it (name and cniVersion injected), pointed
    /// at this node's temp files.
    func config(version: String = "0.3.1", ipamDataDir: String? = nil) -> String {
        let config: JSONValue = [
            "cniVersion": .string(version), "name": "cbr0", "type": "flannel",
            "delegate": ["hairpinMode": true, "isDefaultGateway": true],
            "subnetFile": .string(subnetFile), "dataDir": .string(flannelDir), "ipam": ["dataDir": .string(ipamDataDir ?? ipamDir)],
        ]
        return JSONSerializer.string(config)
    }

    /// Runs our `flannel` inside the node netns.
    @discardableResult
    func flannel(_ command: String, pod: TestNamespace?, containerID: String, config: String)
        -> (status: Int32, stdout: String, stderr: String, json: JSONObject?)
    {
        let r = runPlugin(PluginBinaries.makePluginDir() + "/flannel", command: command, containerID: containerID,
                          netns: pod?.path ?? "", ifname: "eth0",
                          cniArgs: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=test", config: config)
        return (r.status, r.stdout, r.stderr, PluginRun.parsedJSON(r.stdout)?.objectValue)
    }

    /// The delegate config flannel saved for `containerID`, if any.
    func saved(_ containerID: String) -> String? {
        try? String(contentsOfFile: flannelDir + "/" + containerID, encoding: .utf8)
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
        guard try ip(["-o", "link", "show"]).contains(": cni0: ") else { return [] }
        return try ip(["-o", "link", "show", "master", "cni0"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            return String(fields[1].split(separator: "@").first ?? "").replacingOccurrences(of: ":", with: "")
        }
    }
}
