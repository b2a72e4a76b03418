import CNIFirewall
import CNINetlink

/// Pure: on an iptables-nft node, the ruleset portmap's batches are computed from, rebuilt from
/// what nf_tables reports (`IptablesKernelTable`) instead of listing chains with the tool. A rule
/// recognised as one of ours stands for its canonical text (`IptablesPortmapRules`), so
/// `IptablesPortmapBatch` builds exactly the batch the listing would have given:
///
/// - a jump from PREROUTING or OUTPUT to CNI-HOSTPORT-DNAT is the top-level jump (only portmap
///   jumps to that chain);
/// - a POSTROUTING rule jumping to CNI-HOSTPORT-MASQ with comment "CNI portfwd requiring
///   masquerade" is the masquerade jump;
/// - the CNI-HOSTPORT-SETMARK rule with comment "CNI portfwd masquerade mark" and an xtables
///   MARK target of this mark, and the CNI-HOSTPORT-MASQ rule comparing this mark with an
///   xtables MASQUERADE target, are the mark rules.
///
/// When the kernel's answer cannot stand in for the listing, the functions return nil and the
/// caller lists the chains as on a legacy node: a shared chain holding a rule we do not
/// recognise, or (ADD) a container chain that already exists, whose rules a repeated ADD must
/// replace by their exact text.
package enum IptablesPortmapKernelView {
    /// What an ADD reads: which chains exist, and the rules of the built-in and mark chains.
    package struct SetupRead: Sendable {
        package var existingChains: Set<String>
        package var rules: [String: [NftKernelRule]]

        package init(existingChains: Set<String>, rules: [String: [NftKernelRule]]) {
            self.existingChains = existingChains
            self.rules = rules
        }
    }

    /// The chains whose existence an ADD asks, and those whose rules it dumps.
    package static func setupQueries(_ rules: IptablesPortmapRules) -> (exists: [String], dump: [String]) {
        var exists = [rules.dnatChain, IptablesPortmapRules.topLevelDNATChain]
        var dump = ["PREROUTING", "OUTPUT"]
        if rules.usesMasqueradeChains {
            exists += [IptablesPortmapRules.setMarkChain, IptablesPortmapRules.markMasqChain]
            dump += ["POSTROUTING", IptablesPortmapRules.setMarkChain, IptablesPortmapRules.markMasqChain]
        }
        return (exists, dump)
    }

    /// The ruleset `IptablesTable.read(chainsForSetup(rules))` would give, or nil (see above).
    package static func setupRuleset(_ rules: IptablesPortmapRules, _ read: SetupRead) -> IptablesRuleset? {
        guard !read.existingChains.contains(rules.dnatChain) else { return nil }
        let builtins = ["PREROUTING", "OUTPUT"] + (rules.usesMasqueradeChains ? ["POSTROUTING"] : [])
        var chains = builtins
        var found: [IptablesRule] = []
        for (jump, chain) in zip(IptablesPortmapRules.topLevelJumps, ["PREROUTING", "OUTPUT"])
        where (read.rules[chain] ?? []).contains(where: { $0.jump == IptablesPortmapRules.topLevelDNATChain }) {
            found.append(jump)
        }
        if rules.usesMasqueradeChains {
            let masqueradeJump = IptablesPortmapRules.masqueradeJump
            if (read.rules["POSTROUTING"] ?? []).contains(where: {
                $0.jump == IptablesPortmapRules.markMasqChain && $0.comment == masqueradeJump.comment
            }) {
                found.append(masqueradeJump)
            }
            let mark = rules.config.markValue
            for (chain, rule, isOurs) in [
                (IptablesPortmapRules.setMarkChain, rules.setMarkRule, { isSetMark($0, mark: mark, comment: rules.setMarkRule.comment) }),
                (IptablesPortmapRules.markMasqChain, rules.markMasqueradeRule, { isMarkMasquerade($0, mark: mark) }),
            ] as [(String, IptablesRule, (NftKernelRule) -> Bool)] where read.existingChains.contains(chain) {
                chains.append(chain)
                let listed = read.rules[chain] ?? []
                guard listed.allSatisfy(isOurs) else { return nil }
                if !listed.isEmpty { found.append(rule) }
            }
        }
        if read.existingChains.contains(IptablesPortmapRules.topLevelDNATChain) {
            chains.append(IptablesPortmapRules.topLevelDNATChain)
        }
        return IptablesRuleset(chains: chains, rules: found)
    }

    /// `-j MARK --set-xmark MARK/MARK` with our comment: xt_mark_tginfo2 {mark, mask}.
    static func isSetMark(_ rule: NftKernelRule, mark: UInt32, comment: String?) -> Bool {
        guard rule.comment == comment, rule.targets == ["MARK"],
              let info = rule.expressions.first(where: { $0.name == "target" })?.data, info.count >= 8 else { return false }
        return Array(info.prefix(8)) == hostOrder(mark) + hostOrder(mark)
    }

    /// `-m mark --mark MARK/MARK -j MASQUERADE`: a compare with the mark, an xtables MASQUERADE.
    static func isMarkMasquerade(_ rule: NftKernelRule, mark: UInt32) -> Bool {
        rule.targets == ["MASQUERADE"] && rule.expressions.contains { $0.name == "cmp" && $0.data == hostOrder(mark) }
    }

    /// What a DEL learns from the kernel: whether the container chain and the old SNAT entry
    /// chain exist.
    package struct TeardownRead: Sendable {
        package var containerChainExists: Bool
        package var legacyChainExists: Bool

        package init(containerChainExists: Bool, legacyChainExists: Bool) {
            self.containerChainExists = containerChainExists
            self.legacyChainExists = legacyChainExists
        }

        /// Nothing of this container is in the table: nf_tables refuses a jump to a chain that
        /// does not exist, so without its chain no rule can refer to it. No listing, no batch.
        package var nothingToRemove: Bool { !containerChainExists && !legacyChainExists }
    }

    private static func hostOrder(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}
