import CNIProtocol
import CNISystem
import CNIValues
import FlannelSubnet

/// flannel's GC (the reference has none: it answers success and does nothing).
///
/// 1. Every saved delegate config whose container is not in `cni.dev/valid-attachments` is
///    DELed through its delegate with exactly the saved bytes (CNI_CONTAINERID = the file name,
///    CNI_IFNAME = `eth0` — the name is not recorded in the reference's file format and is what
///    kubelet always uses — and no CNI_NETNS, as for a vanished pod). The file is removed only
///    when that DEL succeeded, so a later GC or DEL retries. A saved file that cannot be parsed
///    is removed when its container is gone (it could never be used again) and kept otherwise.
/// 2. GC is forwarded to each distinct delegate config: the one generated from the current
///    `subnet.env` (when readable) and those found in `dataDir` — in practice one bridge config —
///    with the GC config's `cniVersion` and `cni.dev/valid-attachments`, so bridge and host-local
///    release rules and addresses of attachments that no longer exist.
///
/// Errors do not stop the sweep; they are reported together at the end.
struct FlannelGarbageCollector {
    let config: FlannelConfig
    let context: PluginContext
    let store: DelegateConfigStore

    /// Interface name assumed for stale attachments.
    static let assumedInterfaceName = "eth0"

    func run() throws {
        guard let valid = try context.config.validAttachments() else {
            throw CNIError.invalidConfig("GC needs \"cni.dev/valid-attachments\" in the network config")
        }
        let validIDs = Set(valid.map(\.containerID))
        // Half-written saved configs of ADDs killed mid-write (their writer is gone).
        store.removeAbandonedTemporaryFiles()
        var problems: [String] = []
        var candidates: [DelegateConfig] = []
        if let current = try? currentDelegateConfig() { candidates.append(current) }

        for id in try store.containerIDs() {
            guard let bytes = try store.load(containerID: id) else { continue }
            guard let saved = try? DelegateConfig(saved: bytes) else {
                if !validIDs.contains(id) {
                    do {
                        try store.remove(containerID: id)
                    } catch {
                        problems.append("\(error)")
                    }
                }
                continue
            }
            candidates.append(saved)
            guard !validIDs.contains(id) else { continue }
            do {
                try delegator(forStaleContainer: id).del(type: saved.type, config: bytes)
                try store.remove(containerID: id)
            } catch {
                problems.append("DEL of stale container \(id) via \(saved.type): \(CNIError.from(error).description)")
            }
        }

        var done: Set<String> = []
        for candidate in candidates {
            let gc = gcConfig(candidate)
            let key = JSONSerializer.string(.object(gc), sortedKeys: true)
            guard done.insert(key).inserted else { continue }
            do {
                try context.delegator.gc(type: candidate.type, config: JSONSerializer.bytes(.object(gc), sortedKeys: true))
            } catch {
                problems.append("GC via \(candidate.type): \(CNIError.from(error).description)")
            }
        }
        guard problems.isEmpty else {
            throw CNIError.internalFailure("flannel GC: \(problems.joined(separator: "; "))")
        }
    }

    /// The saved config prepared for the delegate's GC: pod-specific keys dropped, the GC
    /// config's version and attachment lists added.
    func gcConfig(_ delegate: DelegateConfig) -> JSONObject {
        var o = delegate.json
        for key in ["runtimeConfig", "args", "prevResult", "cni.dev/valid-attachments", "cni.dev/attachments"] {
            o[key] = JSONValue?.none
        }
        o["cniVersion"] = context.config.json["cniVersion"]
        for key in ["cni.dev/valid-attachments", "cni.dev/attachments"] {
            if let v = context.config.json[key] { o[key] = v }
        }
        return o
    }

    private func currentDelegateConfig() throws -> DelegateConfig {
        try config.validateDelegate()
        let subnet = try SubnetEnv.load(path: config.subnetFile)
        return try DelegateConfig(config: config, subnet: subnet)
    }

    /// A delegator whose environment describes the vanished attachment.
    private func delegator(forStaleContainer id: String) -> Delegator {
        let env = context.environment
        var vars = env.variables
        vars["CNI_CONTAINERID"] = id
        vars["CNI_IFNAME"] = Self.assumedInterfaceName
        vars["CNI_NETNS"] = nil
        vars["CNI_ARGS"] = nil
        return Delegator(environment: CNIEnvironment(
            command: .del, containerID: id, netns: "", ifname: Self.assumedInterfaceName,
            pluginPaths: env.pluginPaths, variables: vars))
    }
}
