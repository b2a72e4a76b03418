import CNIFirewall
import CNIProtocol
import CNIValues

/// portmap: forwards host ports to the pod (runtimeConfig.portMappings) with iptables or
/// nftables. A chained plugin: it needs `prevResult` and returns it unchanged.
package struct PortmapPlugin: CNIPlugin {
    package let name = "portmap"

    package init() {}

    package func add(_ context: PluginContext) throws -> CNIResult {
        let config = try PortmapConfig(context.config)
        guard let previous = try context.config.previousResult() else {
            throw CNIError.internalFailure("must be called as chained plugin")
        }
        guard !config.mappings.isEmpty else { return previous }
        let pod = PodAddresses(result: previous, ifname: context.ifname)
        guard !pod.isEmpty else { return previous }
        try Self.checkRenderable(config, containerID: context.containerID, pod: pod)
        let backend = try Self.backend(for: config)

        if config.snat, let v4 = pod.v4 {
            try LocalnetRouting.enable(for: v4.address, previous: previous)
        }
        try backend.add(config, containerID: context.containerID, pod: pod)

        Self.flushConntrack(config, families: pod.all.map(\.family))
        return previous
    }

    package func del(_ context: PluginContext) throws {
        let config = try DeleteConfig.decode(plugin: name, strict: { () throws(CNIError) in try PortmapConfig(context.config) },
                                             minimal: { PortmapConfig(deleting: context.config.json, network: context.config.name) })
        guard config.declaresMappings else { return }
        try Self.backend(for: config).del(config, containerID: context.containerID)
        Self.flushConntrack(config, families: [.v4, .v6])
    }

    /// Stale UDP conntrack entries of the mapped host ports, on ADD and on DEL.
    static func flushConntrack(_ config: PortmapConfig, families: [IPAddress.Family]) {
        let udp = config.mappings.filter { $0.transport == .udp }
        guard !udp.isEmpty else { return }
        for family in families {
            StaleConntrack.flushUDP(ports: udp.filter { $0.applies(to: family) }.map(\.hostPort), family: family)
        }
    }

    package func check(_ context: PluginContext) throws {
        let config = try PortmapConfig(context.config)
        guard let previous = try context.config.previousResult() else {
            throw CNIError.internalFailure("Required prevResult missing")
        }
        guard !config.mappings.isEmpty else { return }
        let pod = PodAddresses(result: previous, ifname: context.ifname)
        guard !pod.isEmpty else { return }
        try Self.backend(for: config).check(config, containerID: context.containerID, pod: pod)
    }

    /// GC (CNI 1.1): removes the iptables rules of this network's containers that are not in
    /// `cni.dev/valid-attachments` (the reference does nothing here). Without the list: nothing.
    package func gc(_ context: PluginContext) throws {
        guard let valid = try context.config.validAttachments() else { return }
        let config = try PortmapConfig(context.config)
        guard let backend = try? Self.backend(for: config) else { return }
        try backend.gc(config, keep: Set(valid.map(\.containerID)))
    }

    static func backend(for config: PortmapConfig) throws(CNIError) -> any PortmapBackend {
        let choice = try config.resolveBackend(iptablesUsable: FirewallBatch.isAvailable(.iptablesRestore),
                                               nftablesUsable: FirewallBatch.isAvailable(.nft))
        switch choice {
        case .iptables: return IptablesPortmapBackend()
        case .nftables: return NftPortmapBackend()
        }
    }

    /// Renders every rule once before touching the node, so text that cannot be written safely
    /// (conditions, chain names, comments) fails the ADD as a config error with nothing changed.
    static func checkRenderable(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws(CNIError) {
        do {
            for address in pod.all {
                let ipt = IptablesPortmapRules(config: config, containerID: containerID, pod: address)
                _ = try IptablesPortmapBatch.setup(ipt, existing: IptablesRuleset())
                if config.resolvedForNftables {
                    _ = try NftPortmapRules(config: config, containerID: containerID, pod: address).setup(existing: NftRuleListing())
                }
            }
        } catch {
            throw CNIError.invalidConfig("invalid portmap configuration: \(error)")
        }
    }
}

extension PortmapConfig {
    /// Whether the nftables text must be renderable too (nftables requested or implied).
    var resolvedForNftables: Bool {
        requestedBackend == .nftables || (requestedBackend == nil && !nftablesOnlyOptions.isEmpty)
    }
}
