import CNIFirewall
import CNIProtocol
import CNIValues

/// Applies `NftPortmapRules`: one `nft -j list table` of its own table per family to find the container's old
/// rules by comment, then one `nft -f` transaction for everything.
struct NftPortmapBackend: PortmapBackend {
    func add(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        do {
            try Self.apply {
                var lines: [String] = []
                for address in pod.all {
                    let rules = NftPortmapRules(config: config, containerID: containerID, pod: address)
                    lines += try rules.setup(existing: try Self.listing(address.family))
                }
                return lines
            }
        } catch {
            throw CNIError.internalFailure("unable to set up nftables rules for port mappings: \(error)")
        }
    }

    func del(_ config: PortmapConfig, containerID: String) throws {
        guard FirewallBatch.isAvailable(.nft) else { return }  // nothing can have been installed
        do {
            try Self.apply {
                var lines: [String] = []
                for family in [IPAddress.Family.v4, .v6] {
                    lines += try NftPortmapRules.deletions(family: family, containerID: containerID,
                                                           existing: try Self.listing(family))
                }
                return lines
            }
        } catch {
            throw CNIError.internalFailure("error deleting nftables rules: \(error)")
        }
    }

    func check(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws {
        for address in pod.all {
            let rules = NftPortmapRules(config: config, containerID: containerID, pod: address)
            if let problem = rules.missing(existing: try Self.listing(address.family)) {
                throw CNIError.internalFailure(problem)
            }
        }
    }

    /// The family's `cni_hostport` table; empty when it does not exist.
    static func listing(_ family: IPAddress.Family) throws -> NftRuleListing {
        try NftPortmapRules.nftTable(family).listing()
    }

    /// Builds the batch from fresh listings and runs it, rebuilt when nft fails (a rule handle
    /// vanished in between). An empty batch means nothing to do.
    static func apply(_ batch: () throws -> [String]) throws {
        try FirewallBatch.withAttempts {
            let lines = try batch()
            guard !lines.isEmpty else { return }
            try FirewallBatch.nft(lines.joined(separator: "\n") + "\n")
        }
    }
}
