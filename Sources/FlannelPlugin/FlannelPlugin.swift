import CNIProtocol
import CNISystem
import CNIValues
import FlannelSubnet

/// The `flannel` meta plugin (flannel-io/cni-plugin): combines its config with the node lease
/// flanneld wrote to `subnet.env`, hands the generated config to a delegate (bridge +
/// host-local by default) and saves that config in `dataDir` so DEL undoes exactly what ADD did.
///
/// Beyond the reference: the saved config is written atomically and removed when the delegate
/// ADD fails (after a best-effort delegate DEL); DEL keeps it when the delegate DEL fails so a
/// retried DEL can still clean up; CHECK and GC are forwarded to the delegate; STATUS reports
/// code 50 while `subnet.env` is missing or incomplete; errors name the file, the line or the
/// missing keys, and a missing `subnet.env` says that flanneld is not running on the node.
public struct FlannelPlugin: CNIPlugin {
    public let name = "flannel"

    /// flannel itself reads no CNI_ARGS; its delegates (bridge, host-local) get the same
    /// environment, so the keys they understand must not be rejected here.
    public var knownArgs: Set<String> { ["MAC", "IP"] }

    public init() {}

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try FlannelConfig(context.config)
        try config.validateDelegate()
        let subnet = try Self.loadSubnetEnv(config.subnetFile)
        let delegate = try DelegateConfig(config: config, subnet: subnet)
        let bytes = delegate.bytes
        let boot = config.releaseOnReboot ? BootID.current() : nil
        let store = DelegateConfigStore(directory: config.dataDir, durable: boot == nil)
        if let boot {
            let dropped = try store.enterBoot(boot)
            if !dropped.isEmpty {
                Self.log("dropped \(dropped.count) saved config(s) of an earlier boot in \(config.dataDir): \(dropped.joined(separator: ", "))")
            }
        }
        try store.save(containerID: context.containerID, bytes)
        do {
            return try context.delegator.add(type: delegate.type, config: bytes)
        } catch {
            let failure = CNIError.from(error)
            // The delegate may have left half an attachment: undo it while its config is at hand,
            // then forget the config (the runtime's DEL then has nothing left to do).
            do {
                try context.delegator.del(type: delegate.type, config: bytes)
            } catch {
                Self.log("cleanup DEL after the failed delegate ADD failed too: \(CNIError.from(error).description)")
            }
            do {
                try store.remove(containerID: context.containerID)
            } catch {
                Self.log("\(error)")
            }
            throw CNIError(code: failure.code, "failed to delegate add: \(failure.msg)", details: failure.details)
        }
    }

    public func del(_ context: PluginContext) throws {
        let config = try DeleteConfig.decode(plugin: name, strict: { () throws(CNIError) in try FlannelConfig(context.config) },
                                             minimal: { FlannelConfig(deleting: context.config.json) })
        let store = DelegateConfigStore(directory: config.dataDir)
        // DEL never reads subnet.env: it replays what ADD saved, so it works after flanneld
        // changed or removed the file. Nothing saved: ADD never got that far, DEL already ran, or
        // a reboot ended the container (then its config was dropped).
        guard let bytes = try store.load(containerID: context.containerID) else {
            store.removeAbandonedTemporaryFiles(of: context.containerID)
            return
        }
        let saved: DelegateConfig
        do {
            saved = try DelegateConfig(saved: bytes)
        } catch {
            // The reference's answer (flannel-io/cni-plugin#33): succeed so the pod can go away,
            // keep the file for inspection; GC removes it once the container is gone.
            Self.log("\(error.msg) (\(store.path(containerID: context.containerID)); the delegate was not called, the file is kept)")
            return
        }
        if context.netnsIsPluginsOwn && !context.delegator.runsInProcess(saved.type) {
            // A delegate of another build may act inside CNI_NETNS, here the node's own netns: it is
            // not run, and the file stays for the retried DEL (the runtime gets code 8).
            Self.log("CNI_NETNS is flannel's own netns: delegate \"\(saved.type)\" is not this build, its DEL is left"
                + " for a retry with the pod's netns (or none); \(store.path(containerID: context.containerID)) is kept")
            return
        }
        // Exactly the ADD-time bytes. On failure the file stays, so a retried DEL cleans up. With
        // flannel's own netns, the delegate (this build) releases its host side only.
        try context.delegator.del(type: saved.type, config: bytes)
        do {
            try store.remove(containerID: context.containerID)
        } catch {
            Self.log("\(error)")
        }
    }

    public func check(_ context: PluginContext) throws {
        let config = try FlannelConfig(context.config)
        let store = DelegateConfigStore(directory: config.dataDir)
        let path = store.path(containerID: context.containerID)
        guard let bytes = try store.load(containerID: context.containerID) else {
            throw CNIError.internalFailure("flannel: no saved delegate config for container \(context.containerID)",
                                           details: "\(path) does not exist: ADD did not succeed or DEL already ran")
        }
        let saved: DelegateConfig
        do {
            saved = try DelegateConfig(saved: bytes)
        } catch {
            throw CNIError(code: error.code, "flannel: the saved delegate config \(path) is unusable: \(error.msg)")
        }
        // As libcni would call the delegate: its saved config plus this CHECK's version and prevResult.
        var json = saved.json
        json["cniVersion"] = context.config.json["cniVersion"]
        json["prevResult"] = context.config.json["prevResult"]
        try context.delegator.check(type: saved.type, config: JSONSerializer.bytes(.object(json), sortedKeys: true))
    }

    public func gc(_ context: PluginContext) throws {
        let config = try FlannelConfig(context.config)
        let collector = FlannelGarbageCollector(config: config, context: context,
                                                store: DelegateConfigStore(directory: config.dataDir))
        try collector.run()
    }

    public func status(_ context: PluginContext) throws {
        let config = try FlannelConfig(context.config)
        try config.validateDelegate()
        let subnet: SubnetEnv
        do {
            subnet = try SubnetEnv.load(path: config.subnetFile)
        } catch {
            throw CNIError(code: CNIError.pluginNotAvailable,
                           "flannel is not ready on this node: \(Self.subnetEnvMessage(error))")
        }
        let delegate = try DelegateConfig(config: config, subnet: subnet)
        try context.delegator.status(type: delegate.type, config: delegate.bytes)
    }

    // MARK: - subnet.env

    static func loadSubnetEnv(_ path: String) throws(CNIError) -> SubnetEnv {
        do {
            return try SubnetEnv.load(path: path)
        } catch {
            throw CNIError.internalFailure(subnetEnvMessage(error))
        }
    }

    /// The reference's wording (`failed to load flannel 'subnet.env' file: <err>. Check the flannel
    /// pod log for this node.`), plus what a missing file means.
    public static func subnetEnvMessage(_ error: SubnetEnvError) -> String {
        var msg = "failed to load flannel 'subnet.env' file: \(error.message)."
        if error.kind == .missingFile {
            msg += " flanneld writes this file when it has a lease for the node: flanneld is probably not running"
                + " (or not ready yet) on this node."
        }
        return msg + " Check the flannel pod log for this node."
    }

    static func log(_ message: String) {
        Log.warning(plugin: "flannel", message)
    }
}
