import CNIFirewall
import CNIProtocol
import CNISystem
import CNIValues

/// Applies `IptablesPortmapBatch` batches: per family one `iptables-save -t nat` and one
/// `iptables-restore --noflush -w`, under a host-wide lock (so two first ADDs don't both create,
/// and thereby flush, the shared chains) and retried from a fresh save when the restore fails
/// because someone else changed the table in between.
struct IptablesPortmapBackend: PortmapBackend {
    static let attempts = 4

    func add(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        try PortmapLock.withLock {
            for address in pod.all {
                let rules = IptablesPortmapRules(config: config, containerID: containerID, pod: address)
                do {
                    try Self.apply(ipv6: address.family == .v6) { existing in
                        try IptablesPortmapBatch.setup(rules, existing: existing)
                    }
                } catch {
                    throw CNIError.internalFailure("unable to set up \(Self.tool(address.family)) rules for port mappings: \(error)")
                }
            }
        }
    }

    func del(_ config: PortmapConfig, containerID: String) throws {
        try PortmapLock.withLock {
            var unusable: [String] = []
            for family in [IPAddress.Family.v4, .v6] {
                do {
                    try Self.apply(ipv6: family == .v6) { existing in
                        try IptablesPortmapBatch.teardown(network: config.network, containerID: containerID, existing: existing)
                    }
                } catch let failure as SaveFailure {
                    unusable.append("(\(Self.tool(family))) \(failure.underlying)")  // no such table: nothing to remove
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
                do {
                    try Self.apply(ipv6: family == .v6) { existing in
                        try IptablesPortmapBatch.collectGarbage(network: config.network, keep: keep, existing: existing)
                    }
                } catch is SaveFailure {
                    continue  // this family's table is unusable: nothing can be installed there
                } catch {
                    throw CNIError.internalFailure("could not remove stale \(Self.tool(family)) port mappings: \(error)")
                }
            }
        }
    }

    func check(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        for address in pod.all {
            let family = address.family == .v4 ? "ipv4" : "ipv6"
            let existing: IptablesRuleset
            do {
                existing = IptablesRuleset(saveOutput: try FirewallBatch.save(ipv6: address.family == .v6, table: "nat"))
            } catch {
                throw CNIError.internalFailure("could not check \(family) dnat: \(error)")
            }
            let rules = IptablesPortmapRules(config: config, containerID: containerID, pod: address)
            if let problem = IptablesPortmapBatch.missing(rules, existing: existing) {
                throw CNIError.internalFailure("could not check \(family) dnat: \(problem)")
            }
        }
    }

    static func tool(_ family: IPAddress.Family) -> String { family == .v4 ? "iptables" : "ip6tables" }

    /// Save, build the batch from what is installed, restore; on a failed restore start over
    /// from a fresh save (the table changed under us), up to `attempts` times. A nil batch
    /// means nothing to do.
    static func apply(ipv6: Bool, _ batch: (IptablesRuleset) throws -> String?) throws {
        var lastError: (any Error)?
        for attempt in 0..<attempts {
            let saved: String
            do {
                saved = try FirewallBatch.save(ipv6: ipv6, table: "nat")
            } catch {
                if attempt == 0 { throw SaveFailure(underlying: error) }
                throw error
            }
            let existing = IptablesRuleset(saveOutput: saved)
            guard let text = try batch(existing) else { return }
            do {
                try FirewallBatch.restore(ipv6: ipv6, text)
                return
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
    }

    /// The first `iptables-save` failed: the tool or the table is not usable at all.
    struct SaveFailure: Error, CustomStringConvertible {
        let underlying: any Error
        var description: String { "\(underlying)" }
    }
}
