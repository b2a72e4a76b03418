import CNINetlink
import CNIValues

/// Reads of one nftables table we own (`nft -j list table <family> <name>`), as an
/// `NftRuleListing`: only that table, never the whole ruleset.
///
/// A missing table reads as empty. That is decided by a probe, not from stderr text: one
/// NFT_MSG_GETTABLE over netlink (microseconds, where `nft list tables` loads the whole ruleset,
/// ~0.4 s next to kube-proxy's rules) says whether the table exists; only then is `nft` run, and
/// any failure of it is thrown.
package struct NftTable: Sendable, CustomStringConvertible {
    package let family: NftFamily
    package let name: String

    package init(family: NftFamily, name: String) {
        self.family = family
        self.name = name
    }

    /// `<family> <name>`, as nft commands name it.
    package var description: String { "\(family) \(name)" }

    /// The table's chains and rules; empty when the table does not exist.
    package func listing() throws -> NftRuleListing {
        guard try exists() else { return NftRuleListing() }
        return try NftRuleListing(json: try FirewallBatch.run(.nft, arguments: ["-j", "list", "table", family.rawValue, name]))
    }

    /// Whether the table exists (NFT_MSG_GETTABLE in this thread's netns).
    package func exists() throws -> Bool {
        try NetlinkSocket.netfilter().nftTableExists(family: family, name: name)
    }
}
