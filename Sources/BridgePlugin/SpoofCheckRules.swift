import CNIFirewall
import CNIValues

/// `macspoofchk`: nftables rules in table `bridge nat` that drop frames from the host veth whose
/// source MAC is not the container's, laid out as the reference does (base chain `PREROUTING`,
/// per-attachment chains `cni-br-iface-<id>-<ifname>` and `…-mac`, comment `macspoofchk-<id>-<ifname>`).
/// Pure: the current table comes in as the `NftRuleListing` of table `bridge nat`.
struct SpoofCheckRules: Sendable {
    let containerID: String
    let ifname: String

    static let nftTable = NftTable(family: .bridge, name: "nat")
    static let baseChain = "PREROUTING"
    var reference: String { "\(containerID)-\(ifname)" }
    var interfaceChain: String { "cni-br-iface-\(reference)" }
    var macChain: String { interfaceChain + "-mac" }
    var comment: String { "macspoofchk-\(reference)" }

    /// One batch: table, base chain and our chains ensured, our chains flushed, stale jumps to them
    /// (from an earlier ADD) deleted, then the jump for `hostInterface` and the MAC check.
    func setup(hostInterface: String, mac: String, existing: NftRuleListing) throws(FirewallTextError) -> String {
        var batch = NftBatch(table: Self.nftTable)
        try batch.addTable()
        try batch.addChain(Self.baseChain, hook: .init(type: "filter", hook: "prerouting", priority: "-300", policy: "accept"))
        try batch.addChain(interfaceChain)
        try batch.addChain(macChain)
        try batch.flushChain(interfaceChain)
        try batch.flushChain(macChain)
        for h in jumpHandles(in: existing) { try batch.deleteRule(Self.baseChain, handle: h) }
        guard let address = MACAddress(mac) else { throw FirewallTextError(value: mac, reason: "not a MAC address") }
        try batch.addRule(Self.baseChain, NftRule([.inputInterface(hostInterface)], [.jump(interfaceChain)]), comment: comment)
        try batch.addRule(interfaceChain, NftRule([.jump(macChain)]), comment: comment)
        try batch.addRule(macChain, NftRule([.etherSource(address)], [.return]), comment: comment)
        try batch.addRule(macChain, NftRule([.drop]), comment: comment)
        return batch.text
    }

    /// Deletes our jumps and chains that `existing` shows; nil when nothing of ours is there.
    func teardown(existing: NftRuleListing) throws(FirewallTextError) -> String? {
        var batch = NftBatch(table: Self.nftTable)
        for h in jumpHandles(in: existing) { try batch.deleteRule(Self.baseChain, handle: h) }
        let chains = [interfaceChain, macChain].filter { existing.hasChain($0) }
        for chain in chains { try batch.flushChain(chain) }
        for chain in chains { try batch.deleteChain(chain) }
        return batch.isEmpty ? nil : batch.text
    }

    /// Handles of PREROUTING rules carrying our comment.
    func jumpHandles(in listing: NftRuleListing) -> [Int] {
        listing.rules(in: Self.baseChain, comment: comment).map(\.handle)
    }

    /// Whether the chain names can be written in nft syntax (an unquoted identifier: letters,
    /// digits, `_.-`); container IDs always can, odd interface names may not.
    var hasValidChainNames: Bool {
        reference.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "." || $0 == "-") }
    }
}
