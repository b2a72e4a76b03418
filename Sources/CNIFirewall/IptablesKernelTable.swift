import CNINetlink

/// Reads of one iptables table straight from nf_tables over netlink, for a node whose iptables is
/// iptables-nft (`IptablesVariant.nftables`): whether a chain exists (NFT_MSG_GETCHAIN) and a
/// chain's rules (an NFT_MSG_GETRULE dump the kernel filters by table and chain). No exec, and
/// the cost does not grow with the rest of the table. Rules come back as `NftKernelRule`s,
/// recognised by their jump verdict, comment and xtables extensions, not as iptables text: the
/// callers that need a rule's exact text (to delete it) still list its chain with the tool.
package final class IptablesKernelTable {
    package let ipv6: Bool
    package let table: String
    private let socket: NetlinkSocket

    /// nil when the family's iptables is not iptables-nft, or nf_tables cannot be asked.
    package init?(ipv6: Bool, table: String = "nat") {
        guard IptablesVariant.current(ipv6: ipv6) == .nftables, let socket = try? NetlinkSocket.netfilter() else { return nil }
        self.ipv6 = ipv6
        self.table = table
        self.socket = socket
    }

    /// The nf_tables family iptables-nft keeps this table in.
    private var family: String { ipv6 ? "ip6" : "ip" }

    package func chainExists(_ chain: String) throws -> Bool {
        try socket.nftChainExists(family: family, table: table, chain: chain)
    }

    /// The rules of `chain` in order; empty when it does not exist.
    package func rules(of chain: String) throws -> [NftKernelRule] {
        try socket.nftRules(family: family, table: table, chain: chain)
    }
}
