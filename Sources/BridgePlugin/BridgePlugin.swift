import CNIProtocol
import CNISystem

/// The `bridge` plugin: a veth pair per pod, the host end on a node bridge (default `cni0`),
/// addresses from the IPAM plugin, optionally the gateway on the bridge and masquerading.
/// Config keys and defaults follow containernetworking/plugins' bridge (see `BridgeConfig`).
package struct BridgePlugin: CNIPlugin {
    package let name = "bridge"
    package var knownArgs: Set<String> { ["MAC"] }

    package init() {}

    package func add(_ context: PluginContext) throws -> CNIResult {
        try BridgeAdd(context: context, config: try config(context)).run()
    }

    package func del(_ context: PluginContext) throws {
        let config = try DeleteConfig.decode(plugin: name, strict: { () throws(CNIError) in try self.config(context) },
                                             minimal: { BridgeConfig(deleting: context.config.json) })
        try BridgeDelete(context: context, config: config).run()
    }

    package func check(_ context: PluginContext) throws {
        try BridgeCheck(context: context, config: try config(context)).run()
    }

    /// Ready when the IPAM plugin is (the reference's v1.6+ behaviour); layer-2 only: always.
    package func status(_ context: PluginContext) throws {
        let c = try config(context)
        guard c.isLayer3 else { return }
        try context.delegator.status(type: c.ipamType, config: context.config.raw)
    }

    /// Forwards GC to the IPAM plugin (which releases stale reservations) and removes masquerade
    /// rules of this network whose attachment is no longer valid.
    package func gc(_ context: PluginContext) throws {
        let c = try config(context)
        guard c.isLayer3 else { return }
        var failure: (any Error)?
        do {
            try context.delegator.gc(type: c.ipamType, config: context.config.raw)
        } catch {
            failure = error
        }
        if c.ipMasq, let valid = try context.config.validAttachments() {
            do {
                try MasqueradeCollector(network: context.config.name, valid: valid).run()
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    private func config(_ context: PluginContext) throws(CNIError) -> BridgeConfig {
        try BridgeConfig(json: context.config.json, cniArgsMAC: context.environment.args["MAC"])
    }
}
