import CNIFirewall

/// Pure: turns the wanted rules and the chains read from the table (`IptablesTable`) into one
/// `iptables-restore --noflush` batch, so a whole ADD or DEL is one exec per family.
///
/// Declaring a chain (`:NAME - [0:0]`) in a --noflush restore flushes it when it exists, so shared
/// chains are declared only when missing, while the container's own chain is always declared:
/// a repeated ADD replaces its rules.
public enum IptablesPortmapBatch {
    /// The ADD batch: shared chains and jumps when missing, the container chain replaced, stale
    /// entry rules for it deleted and missing ones appended.
    public static func setup(_ rules: IptablesPortmapRules, existing: IptablesRuleset) throws(FirewallTextError) -> String {
        var declarations: [String] = []
        var lines: [String] = []
        func declare(_ chain: String) throws(FirewallTextError) {
            try IptablesRule.checkChainName(chain)
            declarations.append(":\(chain) - [0:0]")
        }
        func ensure(_ rule: IptablesRule, _ operation: IptablesRule.Operation = .append) throws(FirewallTextError) {
            if !existing.contains(rule) { lines.append(try rule.restoreLine(operation)) }
        }

        if rules.usesMasqueradeChains {
            if !existing.hasChain(IptablesPortmapRules.setMarkChain) { try declare(IptablesPortmapRules.setMarkChain) }
            if !existing.hasChain(IptablesPortmapRules.markMasqChain) { try declare(IptablesPortmapRules.markMasqChain) }
            try ensure(rules.setMarkRule)
            try ensure(rules.markMasqueradeRule)
            try ensure(IptablesPortmapRules.masqueradeJump, .insert(position: 1))
        }
        if !existing.hasChain(IptablesPortmapRules.topLevelDNATChain) {
            try declare(IptablesPortmapRules.topLevelDNATChain)
        }
        for jump in IptablesPortmapRules.topLevelJumps { try ensure(jump) }

        try declare(rules.dnatChain)
        for rule in rules.chainRules { lines.append(try rule.restoreLine()) }

        let wanted = rules.entryRules
        for stale in existing.rules(jumpingTo: rules.dnatChain) where !wanted.contains(stale) {
            lines.append(try stale.restoreLine(.delete))
        }
        for rule in wanted { try ensure(rule) }
        return render(declarations + lines)
    }

    /// The DEL batch: every jump to the container chain (and to the old `CNI-SN-` chain), then
    /// both chains flushed and deleted. nil when the table holds none of them: nothing to do.
    public static func teardown(network: String, containerID: String, existing: IptablesRuleset) throws(FirewallTextError) -> String? {
        let lines = try teardownLines(network: network, containerID: containerID, existing: existing)
        return lines.isEmpty ? nil : render(lines)
    }

    static func teardownLines(network: String, containerID: String, existing: IptablesRuleset) throws(FirewallTextError) -> [String] {
        var lines: [String] = []
        let chains = [IptablesPortmapRules.dnatChain(network: network, containerID: containerID),
                      IptablesPortmapRules.legacySNATChain(network: network, containerID: containerID)]
        for chain in chains {
            for jump in existing.rules(jumpingTo: chain) { lines.append(try jump.restoreLine(.delete)) }
        }
        for chain in chains where existing.hasChain(chain) {
            lines.append("-F \(chain)")
            lines.append("-X \(chain)")
        }
        return lines
    }

    /// GC: the containers of `network` that have entry rules (found by their comment
    /// `dnat name: "<network>" id: "<id>"` and a jump to the matching chain) but are not in `keep`.
    public static func staleContainers(network: String, keep: Set<String>, existing: IptablesRuleset) -> [String] {
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
    public static func collectGarbage(network: String, keep: Set<String>, existing: IptablesRuleset) throws(FirewallTextError) -> String? {
        var lines: [String] = []
        for id in staleContainers(network: network, keep: keep, existing: existing) {
            lines += try teardownLines(network: network, containerID: id, existing: existing)
        }
        return lines.isEmpty ? nil : render(lines)
    }

    /// What CHECK finds missing, or nil when every rule of the container is installed.
    public static func missing(_ rules: IptablesPortmapRules, existing: IptablesRuleset) -> String? {
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

    static func render(_ lines: [String]) -> String {
        (["*nat"] + lines + ["COMMIT"]).joined(separator: "\n") + "\n"
    }
}
