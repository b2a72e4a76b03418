import CNIFirewall
import CNIValues

/// The ipMasq rules of one attachment, on the firewall rule model. Pure: the current state comes
/// in as the chains read from the table (`IptablesRuleset`) or our nft table (`NftRuleListing`).
///
/// iptables (table nat), byte-compatible with the reference so either implementation removes the
/// other's rules:
///
///     -A POSTROUTING -s 10.244.1.3/32 -m comment --comment "name: \"cbr0\" id: \"c2\"" -j CNI-a0fff058eeb324ed03b3bf6f
///     -A CNI-a0fff… -d 10.244.1.0/24 -m comment --comment "…" -j ACCEPT
///     -A CNI-a0fff… ! -d 224.0.0.0/4 -m comment --comment "…" -j MASQUERADE
public struct MasqueradeRules: Sendable {
    public let network: String
    public let containerID: String
    public let ifname: String

    public init(network: String, containerID: String, ifname: String) {
        self.network = network
        self.containerID = containerID
        self.ifname = ifname
    }

    /// `CNI-` + 24 hex of sha512(network + containerID).
    public var chain: String { ChainName.masquerade(network: network, containerID: containerID) }

    public var owner: OwnerComment { OwnerComment(network: network, containerID: containerID) }

    /// `name: "<net>" id: "<cid>"`.
    public var comment: String { owner.description }

    /// The multicast ranges never masqueraded: 224.0.0.0/4, ff00::/8.
    static let multicast: [IPNetwork] = ["224.0.0.0/4", "ff00::/8"].compactMap { IPNetwork($0) }

    /// The chain holding the jumps.
    public static let jumpChain = MasqueradeNames.jumpChain

    // MARK: iptables

    /// The chains a setup or teardown batch is computed from.
    public var chainsToRead: [String] { [Self.jumpChain, chain] }

    /// Within the chain all ACCEPTs come before the MASQUERADE, so a second subnet is not
    /// masqueraded (the reference appends them after it).
    public func chainRules(addresses: [IPNetwork]) -> [IptablesRule] {
        let family = addresses.first?.family ?? .v4
        var rules: [IptablesRule] = []
        for a in addresses {
            let rule = IptablesRule(chain: chain, [.destination(.prefix(a.network)), .comment(comment)], .accept)
            if !rules.contains(rule) { rules.append(rule) }
        }
        for multicast in Self.multicast where multicast.family == family {
            rules.append(IptablesRule(chain: chain, [.destination(.prefix(multicast), negated: true), .comment(comment)], .masquerade))
        }
        return rules
    }

    /// One POSTROUTING jump per address.
    public func jumpRules(addresses: [IPNetwork]) -> [IptablesRule] {
        var rules: [IptablesRule] = []
        for a in addresses {
            let rule = IptablesRule(chain: Self.jumpChain, [.source(.host(a.address)), .comment(comment)], .jump(chain))
            if !rules.contains(rule) { rules.append(rule) }
        }
        return rules
    }

    /// The restore batch that makes the chain hold exactly the rules for `addresses` (one family)
    /// and POSTROUTING jump to it once per address: the chain is declared and flushed, jumps
    /// already present in `existing` are kept, stale jumps to the chain deleted.
    public func iptablesSetup(addresses: [IPNetwork], existing: IptablesRuleset) throws(FirewallTextError) -> String {
        var batch = IptablesRestoreBatch(table: "nat")
        try batch.declare(chain)
        try batch.flush(chain)
        for rule in chainRules(addresses: addresses) { try batch.append(rule) }
        let wanted = jumpRules(addresses: addresses)
        let present = existing.rules(jumpingTo: chain).filter { $0.chain == Self.jumpChain }
        for rule in present where !wanted.contains(rule) { try batch.delete(rule) }
        for rule in wanted where !present.contains(rule) { try batch.append(rule) }
        return batch.text
    }

    /// The restore batch that removes every jump to the chain and the chain itself, or nil when
    /// `existing` shows neither (nothing to do, no exec).
    public func iptablesTeardown(existing: IptablesRuleset) throws(FirewallTextError) -> String? {
        var batch = IptablesRestoreBatch(table: "nat")
        for rule in existing.rules(jumpingTo: chain) where rule.chain != chain { try batch.delete(rule) }
        if existing.hasChain(chain) {
            try batch.flush(chain)
            try batch.deleteChain(chain)
        }
        return batch.isEmpty ? nil : batch.text
    }

    // MARK: nftables (table inet cni_plugins_masquerade, as upstream v1.6+)

    public static let nftTable = NftTable(family: MasqueradeNames.nftFamily, name: MasqueradeNames.nftTable)
    public static let nftChecksChain = MasqueradeNames.nftChecksChain

    /// The nft rule comment (`MasqueradeComment`).
    public var nftOwner: MasqueradeComment { MasqueradeComment(network: network, ifname: ifname, containerID: containerID) }

    /// The prefix of our nft rule comments: `<16 hex sha512(net)>-<16 hex sha512(ifname:containerID)>`.
    public var nftInstanceHash: String { nftOwner.instanceHash }

    /// The first half of `nftInstanceHash`: all rules of one network.
    public static func nftNetworkHash(_ network: String) -> String { MasqueradeComment.networkHash(network) }

    /// The rule comment, at most 128 bytes, without double quotes.
    public var nftComment: String { nftOwner.description }

    /// One `nft -f` batch: table and chains ensured, postrouting rewritten, our stale rules (found in
    /// `existing`, the listing of our table) deleted, one rule per address.
    public func nftSetup(addresses: [IPNetwork], existing: NftRuleListing) throws(FirewallTextError) -> String {
        let c = Self.nftChecksChain
        var batch = NftBatch(table: Self.nftTable)
        try batch.addTable(comment: "Masquerading for plugins from github.com/containernetworking/plugins")
        try batch.addChain(c, comment: "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet")
        try batch.addChain("postrouting", hook: .init(type: "nat", hook: "postrouting", priority: "srcnat"))
        try batch.flushChain("postrouting")
        for multicast in Self.multicast {
            // Two blanks before `return`, as upstream writes it.
            try batch.addRule("postrouting", NftRule([.address(.destination, .equal, .prefix(multicast))], [.return], statementGap: 2))
        }
        try batch.addRule("postrouting", NftRule([.goto(c)]))
        try addDeletions(existing: existing, to: &batch)
        for a in addresses {
            try batch.addRule(c, NftRule([.address(.source, .equal, .host(a.address)), .address(.destination, .notEqual, .prefix(a.network))],
                                         [.masquerade]), comment: nftComment)
        }
        return batch.text
    }

    /// Deletes our rules listed in `existing`; nil when there are none.
    public func nftTeardown(existing: NftRuleListing) throws(FirewallTextError) -> String? {
        var batch = NftBatch(table: Self.nftTable)
        try addDeletions(existing: existing, to: &batch)
        return batch.isEmpty ? nil : batch.text
    }

    func addDeletions(existing: NftRuleListing, to batch: inout NftBatch) throws(FirewallTextError) {
        for rule in existing.rules(in: Self.nftChecksChain, commentPrefix: nftInstanceHash) {
            try batch.deleteRule(Self.nftChecksChain, handle: rule.handle)
        }
    }
}
