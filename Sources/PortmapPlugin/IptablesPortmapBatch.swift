import CNIFirewall

/// Pure: turns the wanted rules and the chains read from the table (`IptablesTable`) into one
/// `iptables-restore --noflush` batch, so a whole ADD or DEL is one exec per family.
///
/// Declaring a chain (`:NAME - [0:0]`) in a --noflush restore flushes it when it exists, so shared
/// chains are declared only when missing, while the container's own chain is always declared:
/// a repeated ADD replaces its rules.
enum IptablesPortmapBatch {
    /// The ADD batch: shared chains and jumps when missing, the container chain replaced, stale
    /// entry rules for it deleted and missing ones appended.
    static func setup(_ rules: IptablesPortmapRules, existing: IptablesRuleset) throws(FirewallTextError) -> String {
        var batch = IptablesRestoreBatch(table: "nat")
        func ensure(_ rule: IptablesRule) throws(FirewallTextError) {
            if !existing.contains(rule) { try batch.append(rule) }
        }

        if rules.usesMasqueradeChains {
            if !existing.hasChain(IptablesPortmapRules.setMarkChain) { try batch.declare(IptablesPortmapRules.setMarkChain) }
            if !existing.hasChain(IptablesPortmapRules.markMasqChain) { try batch.declare(IptablesPortmapRules.markMasqChain) }
            try ensure(rules.setMarkRule)
            try ensure(rules.markMasqueradeRule)
            if !existing.contains(IptablesPortmapRules.masqueradeJump) { try batch.insert(IptablesPortmapRules.masqueradeJump, at: 1) }
        }
        if !existing.hasChain(IptablesPortmapRules.topLevelDNATChain) {
            try batch.declare(IptablesPortmapRules.topLevelDNATChain)
        }
        for jump in IptablesPortmapRules.topLevelJumps { try ensure(jump) }

        try batch.declare(rules.dnatChain)
        for rule in rules.chainRules { try batch.append(rule) }

        let wanted = rules.entryRules
        for stale in existing.rules(jumpingTo: rules.dnatChain) where !wanted.contains(stale) {
            try batch.delete(stale)
        }
        for rule in wanted { try ensure(rule) }
        return batch.text
    }

    /// The DEL batch: every jump to the container chain (and to the old `CNI-SN-` chain), then
    /// both chains flushed and deleted. nil when the table holds none of them: nothing to do.
    static func teardown(network: String, containerID: String, existing: IptablesRuleset) throws(FirewallTextError) -> String? {
        var batch = IptablesRestoreBatch(table: "nat")
        try addTeardown(network: network, containerID: containerID, existing: existing, to: &batch)
        return batch.isEmpty ? nil : batch.text
    }

    static func addTeardown(network: String, containerID: String, existing: IptablesRuleset,
                            to batch: inout IptablesRestoreBatch) throws(FirewallTextError) {
        let chains = [IptablesPortmapRules.dnatChain(network: network, containerID: containerID),
                      IptablesPortmapRules.legacySNATChain(network: network, containerID: containerID)]
        for chain in chains {
            for jump in existing.rules(jumpingTo: chain) { try batch.delete(jump) }
        }
        for chain in chains where existing.hasChain(chain) {
            try batch.flush(chain)
            try batch.deleteChain(chain)
        }
    }

    /// GC: the containers of `network` that have entry rules (found by their comment
    /// `dnat name: "<network>" id: "<id>"` and a jump to the matching chain) but are not in `keep`.
    static func staleContainers(network: String, keep: Set<String>, existing: IptablesRuleset) -> [String] {
        var stale: [String] = []
        for rule in existing.rules(in: IptablesPortmapRules.topLevelDNATChain) {
            guard let text = rule.comment, let owner = OwnerComment(parsing: text, prefix: OwnerComment.portmapPrefix),
                  owner.network == network else { continue }
            let id = owner.containerID
            guard rule.target == IptablesPortmapRules.dnatChain(network: network, containerID: id),
                  !keep.contains(id), !stale.contains(id) else { continue }
            stale.append(id)
        }
        return stale
    }

    /// The GC batch removing every stale container's rules and chain; nil when none is stale.
    static func collectGarbage(network: String, keep: Set<String>, existing: IptablesRuleset) throws(FirewallTextError) -> String? {
        var batch = IptablesRestoreBatch(table: "nat")
        for id in staleContainers(network: network, keep: keep, existing: existing) {
            try addTeardown(network: network, containerID: id, existing: existing, to: &batch)
        }
        return batch.isEmpty ? nil : batch.text
    }

    /// What CHECK finds missing, or nil when every rule of the container is installed.
    static func missing(_ rules: IptablesPortmapRules, existing: IptablesRuleset) -> String? {
        let chain = rules.dnatChain
        guard existing.hasChain(chain) else { return "chain \(chain) not found in iptables table nat" }
        for rule in rules.chainRules where !existing.contains(rule) {
            return "rule \"\(rule)\" not found in chain \(chain)"
        }
        let present = existing.rules(jumpingTo: chain).map(IptablesPortmapRules.entryKey)
        for rule in rules.entryRules where !present.contains(IptablesPortmapRules.entryKey(rule)) {
            let key = IptablesPortmapRules.entryKey(rule).dropFirst(2).joined(separator: " ports ")
            return "entry rule for \(key) jumping to \(chain) not found in chain \(IptablesPortmapRules.topLevelDNATChain)"
        }
        for jump in IptablesPortmapRules.topLevelJumps where !existing.contains(jump) {
            return "rule \"\(jump)\" not found in chain \(jump.chain)"
        }
        if rules.usesMasqueradeChains {
            for rule in [IptablesPortmapRules.masqueradeJump, rules.setMarkRule, rules.markMasqueradeRule]
            where !existing.contains(rule) {
                return "rule \"\(rule)\" not found in chain \(rule.chain)"
            }
        }
        return nil
    }
}
