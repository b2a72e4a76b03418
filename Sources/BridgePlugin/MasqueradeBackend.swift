import CNIFirewall
import CNIProtocol
import CNIValues

/// One way of installing bridge's ipMasq rules (iptables or nftables), as `PortmapBackend` is
/// for portmap.
protocol MasqueradeBackend: Sendable {
    /// Whether the tools this backend needs exist (DEL and GC skip a backend that cannot have
    /// installed anything).
    var isAvailable: Bool { get }
    /// Installs (or replaces) the attachment's rules for `addresses`.
    func setup(_ rules: MasqueradeRules, addresses: [IPNetwork]) throws
    /// Removes the attachment's rules (iptables: of `families`, both when nil).
    func teardown(_ rules: MasqueradeRules, families: [IPAddress.Family]?) throws
    /// Removes the rules of `network`'s attachments that are not in `valid`.
    func collectGarbage(network: String, valid: [Attachment]) throws
}

/// Table nat: reads POSTROUTING and the attachment's chain, writes one restore batch per family.
struct IptablesMasqueradeBackend: MasqueradeBackend {
    var isAvailable: Bool { FirewallBatch.isAvailable(.iptablesRestore) }

    func setup(_ rules: MasqueradeRules, addresses: [IPNetwork]) throws {
        for family in [IPAddress.Family.v4, .v6] {
            let mine = addresses.filter { $0.family == family }
            guard !mine.isEmpty else { continue }
            let table = IptablesTable(ipv6: family == .v6)
            try FirewallBatch.withAttempts {
                let existing = try table.read([MasqueradeRules.jumpChain])
                try FirewallBatch.restore(ipv6: table.ipv6, try rules.iptablesSetup(addresses: mine, existing: existing))
            }
        }
    }

    func teardown(_ rules: MasqueradeRules, families: [IPAddress.Family]?) throws {
        var errors: [String] = []
        for family in families ?? [.v4, .v6] {
            let table = IptablesTable(ipv6: family == .v6)
            guard FirewallBatch.isAvailable(.restore(ipv6: table.ipv6)) else { continue }
            do {
                try FirewallBatch.withAttempts {
                    if let batch = try rules.iptablesTeardown(existing: try table.read(rules.chainsToRead)) {
                        try FirewallBatch.restore(ipv6: table.ipv6, batch)
                    }
                }
            } catch is IptablesTable.Unusable {
                continue  // no usable nat table for this family: nothing can be there
            } catch {
                errors.append("\(table.toolName): \(error)")
            }
        }
        guard errors.isEmpty else { throw MasqueradeFailure(errors: errors) }
    }

    func collectGarbage(network: String, valid: [Attachment]) throws {
        var errors: [String] = []
        let validIDs = Set(valid.map(\.containerID))
        for v6 in [false, true] {
            let table = IptablesTable(ipv6: v6)
            guard FirewallBatch.isAvailable(.restore(ipv6: v6)) else { continue }
            do {
                let jumps = try table.read([MasqueradeRules.jumpChain])
                for id in Self.staleContainerIDs(network: network, validIDs: validIDs, jumps: jumps) {
                    let rules = MasqueradeRules(network: network, containerID: id, ifname: "")
                    try FirewallBatch.withAttempts {
                        if let batch = try rules.iptablesTeardown(existing: try table.read(rules.chainsToRead)) {
                            try FirewallBatch.restore(ipv6: v6, batch)
                        }
                    }
                }
            } catch is IptablesTable.Unusable {
                continue
            } catch {
                errors.append("\(table.toolName): \(error)")
            }
        }
        guard errors.isEmpty else { throw MasqueradeFailure(errors: errors) }
    }

    /// Container IDs with a POSTROUTING jump to their chain, commented for `network`, but no valid attachment.
    static func staleContainerIDs(network: String, validIDs: Set<String>, jumps: IptablesRuleset) -> [String] {
        var out: [String] = []
        for rule in jumps.rules(in: MasqueradeRules.jumpChain) {
            guard let text = rule.comment, let owner = OwnerComment(parsing: text), owner.network == network,
                  rule.target == ChainName.masquerade(network: network, containerID: owner.containerID) else { continue }
            let id = owner.containerID
            if !validIDs.contains(id), !out.contains(id) { out.append(id) }
        }
        return out
    }
}

/// Table `inet cni_plugins_masquerade`, as upstream v1.6+: one listing of our table, one `nft -f`.
struct NftMasqueradeBackend: MasqueradeBackend {
    var isAvailable: Bool { FirewallBatch.isAvailable(.nft) }

    func setup(_ rules: MasqueradeRules, addresses: [IPNetwork]) throws {
        try FirewallBatch.withAttempts {
            try FirewallBatch.nft(rules.nftSetup(addresses: addresses, existing: try MasqueradeRules.nftTable.listing()))
        }
    }

    func teardown(_ rules: MasqueradeRules, families: [IPAddress.Family]?) throws {
        try FirewallBatch.withAttempts {
            if let batch = try rules.nftTeardown(existing: try MasqueradeRules.nftTable.listing()) { try FirewallBatch.nft(batch) }
        }
    }

    func collectGarbage(network: String, valid: [Attachment]) throws {
        try FirewallBatch.withAttempts {
            if let batch = try Self.garbageBatch(network: network, valid: valid, existing: try MasqueradeRules.nftTable.listing()) {
                try FirewallBatch.nft(batch)
            }
        }
    }

    /// Deletes masq_checks rules of `network` whose comment belongs to no valid attachment; nil when none.
    static func garbageBatch(network: String, valid: [Attachment], existing: NftRuleListing) throws(FirewallTextError) -> String? {
        let keep = valid.map { MasqueradeRules(network: network, containerID: $0.containerID, ifname: $0.ifname).nftInstanceHash }
        let prefix = MasqueradeRules.nftNetworkHash(network) + "-"
        let stale = existing.rules(in: MasqueradeRules.nftChecksChain, commentPrefix: prefix).filter { rule in
            !keep.contains { rule.comment?.hasPrefix($0) ?? false }
        }
        var batch = NftBatch(table: MasqueradeRules.nftTable)
        for rule in stale { try batch.deleteRule(MasqueradeRules.nftChecksChain, handle: rule.handle) }
        return batch.isEmpty ? nil : batch.text
    }
}

struct MasqueradeFailure: Error, CustomStringConvertible {
    let errors: [String]
    var description: String { errors.joined(separator: "; ") }
}
