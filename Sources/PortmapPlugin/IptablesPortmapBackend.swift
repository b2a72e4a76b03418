import CNIFirewall
import CNIProtocol
import CNISystem
import CNIValues

/// Applies `IptablesPortmapBatch` batches: per family one `iptables-restore --noflush -w`, computed
/// from reads of only the chains portmap owns or jumps from (never the whole nat table, whose size
/// is kube-proxy's business), under a host-wide lock (so two first ADDs don't both create, and
/// thereby flush, the shared chains), rebuilt from fresh reads when the restore fails because
/// someone else changed the table in between. Where iptables is iptables-nft the reads go to
/// nf_tables over netlink (`IptablesKernelTable`, `IptablesPortmapKernelView`): an ADD of a new
/// container lists nothing with the tool, a DEL lists only CNI-HOSTPORT-DNAT and skips a family
/// that holds none of the container's chains. Elsewhere, and whenever the kernel's answer is not
/// enough, chains are listed with `iptables -S`.
struct IptablesPortmapBackend: PortmapBackend {
    func add(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        try PortmapLock.withLock {
            for address in pod.all {
                let rules = IptablesPortmapRules(config: config, containerID: containerID, pod: address)
                let table = IptablesTable(ipv6: address.family == .v6)
                let kernel = IptablesKernelTable(ipv6: table.ipv6)
                do {
                    try FirewallBatch.withAttempts {
                        let existing = try Self.kernelSetupRuleset(kernel, rules) ?? table.read(Self.chainsForSetup(rules))
                        try FirewallBatch.restore(ipv6: table.ipv6, try IptablesPortmapBatch.setup(rules, existing: existing))
                    }
                } catch {
                    throw CNIError.internalFailure("unable to set up \(table.toolName) rules for port mappings: \(error)")
                }
            }
        }
    }

    func del(_ config: PortmapConfig, containerID: String) throws {
        try PortmapLock.withLock {
            var unusable: [String] = []
            for family in [IPAddress.Family.v4, .v6] {
                let table = IptablesTable(ipv6: family == .v6)
                let kernel = IptablesKernelTable(ipv6: table.ipv6)
                do {
                    try FirewallBatch.withAttempts {
                        let existing: IptablesRuleset
                        switch Self.kernelTeardownRead(kernel, network: config.network, containerID: containerID) {
                        case .some(let read) where read.nothingToRemove:
                            return
                        case .some(let read) where !read.legacyChainExists:
                            let chain = IptablesPortmapRules.dnatChain(network: config.network, containerID: containerID)
                            let entries = try table.read([IptablesPortmapRules.topLevelDNATChain])
                            existing = IptablesRuleset(chains: entries.chains + [chain], rules: entries.rules)
                        default:
                            existing = try Self.readForTeardown(table, network: config.network, containerIDs: [containerID])
                        }
                        if let batch = try IptablesPortmapBatch.teardown(network: config.network, containerID: containerID,
                                                                         existing: existing) {
                            try FirewallBatch.restore(ipv6: table.ipv6, batch)
                        }
                    }
                } catch let failure as IptablesTable.Unusable {
                    unusable.append("(\(table.toolName)) \(failure)")  // no such table: nothing to remove
                } catch {
                    throw CNIError.internalFailure("could not teardown \(family == .v4 ? "ipv4" : "ipv6") dnat: \(error)")
                }
            }
            if unusable.count == 2 {
                throw CNIError.internalFailure("neither iptables nor ip6tables is usable, " + unusable.joined(separator: ", "))
            }
        }
    }

    func gc(_ config: PortmapConfig, keep: Set<String>) throws {
        try PortmapLock.withLock {
            for family in [IPAddress.Family.v4, .v6] {
                let table = IptablesTable(ipv6: family == .v6)
                do {
                    try FirewallBatch.withAttempts {
                        let entries = try table.read([IptablesPortmapRules.topLevelDNATChain])
                        let stale = IptablesPortmapBatch.staleContainers(network: config.network, keep: keep, existing: entries)
                        guard !stale.isEmpty else { return }
                        let existing = try Self.readForTeardown(table, network: config.network, containerIDs: stale)
                        if let batch = try IptablesPortmapBatch.collectGarbage(network: config.network, keep: keep, existing: existing) {
                            try FirewallBatch.restore(ipv6: table.ipv6, batch)
                        }
                    }
                } catch is IptablesTable.Unusable {
                    continue  // this family's table is unusable: nothing can be installed there
                } catch {
                    throw CNIError.internalFailure("could not remove stale \(table.toolName) port mappings: \(error)")
                }
            }
        }
    }

    func check(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        for address in pod.all {
            let family = address.family == .v4 ? "ipv4" : "ipv6"
            let rules = IptablesPortmapRules(config: config, containerID: containerID, pod: address)
            let existing: IptablesRuleset
            do {
                existing = try IptablesTable(ipv6: address.family == .v6).read([rules.dnatChain] + Self.chainsForSetup(rules))
            } catch {
                throw CNIError.internalFailure("could not check \(family) dnat: \(error)")
            }
            if let problem = IptablesPortmapBatch.missing(rules, existing: existing) {
                throw CNIError.internalFailure("could not check \(family) dnat: \(problem)")
            }
        }
    }

    /// What a setup batch is computed from: the built-in chains holding our jumps (listed first,
    /// so the table is known usable without a probe), then the shared chains.
    static func chainsForSetup(_ rules: IptablesPortmapRules) -> [String] {
        var chains = ["PREROUTING", "OUTPUT"]
        if rules.usesMasqueradeChains { chains.append("POSTROUTING") }
        chains.append(IptablesPortmapRules.topLevelDNATChain)
        if rules.usesMasqueradeChains { chains += [IptablesPortmapRules.setMarkChain, IptablesPortmapRules.markMasqChain] }
        return chains
    }

    /// The ADD's ruleset from nf_tables; nil when there is no kernel view (legacy iptables), the
    /// kernel cannot be asked, or its answer cannot stand in for the listing.
    static func kernelSetupRuleset(_ kernel: IptablesKernelTable?, _ rules: IptablesPortmapRules) -> IptablesRuleset? {
        guard let kernel else { return nil }
        let (exists, dump) = IptablesPortmapKernelView.setupQueries(rules)
        var read = IptablesPortmapKernelView.SetupRead(existingChains: [], rules: [:])
        do {
            for chain in exists where try kernel.chainExists(chain) {
                if chain == rules.dnatChain { return nil }  // a repeated ADD: its old rules' text is needed
                read.existingChains.insert(chain)
            }
            for chain in dump { read.rules[chain] = try kernel.rules(of: chain) }
        } catch {
            return nil
        }
        return IptablesPortmapKernelView.setupRuleset(rules, read)
    }

    /// Which of the container's chains nf_tables holds; nil without a kernel view or an answer.
    static func kernelTeardownRead(_ kernel: IptablesKernelTable?, network: String,
                                   containerID: String) -> IptablesPortmapKernelView.TeardownRead? {
        guard let kernel else { return nil }
        do {
            return .init(
                containerChainExists: try kernel.chainExists(IptablesPortmapRules.dnatChain(network: network, containerID: containerID)),
                legacyChainExists: try kernel.chainExists(IptablesPortmapRules.legacySNATChain(network: network, containerID: containerID)))
        } catch {
            return nil
        }
    }

    /// What a teardown batch is computed from: the entry chain (jumps to the containers' chains)
    /// and the containers' chains; the SNAT chains of old portmap versions only where their
    /// top-level chain still exists.
    static func readForTeardown(_ table: IptablesTable, network: String, containerIDs: [String]) throws -> IptablesRuleset {
        // The entry chain first: on a node where portmap ever ran it exists, which shows the table
        // usable, so the chains found missing after it need no probe.
        var chains = [IptablesPortmapRules.topLevelDNATChain]
        chains += containerIDs.map { IptablesPortmapRules.dnatChain(network: network, containerID: $0) }
        chains.append(IptablesPortmapRules.legacyTopLevelSNATChain)
        let found = try table.read(chains)
        guard found.hasChain(IptablesPortmapRules.legacyTopLevelSNATChain) else { return found }
        let legacy = try table.read(containerIDs.map { IptablesPortmapRules.legacySNATChain(network: network, containerID: $0) })
        return IptablesRuleset(chains: found.chains + legacy.chains, rules: found.rules + legacy.rules)
    }
}
