import CNIValues

/// Reads of one nftables table we own (`nft -j list table <family> <name>`), as an
/// `NftRuleListing`: only that table, never the whole ruleset.
///
/// A missing table reads as empty. That is decided by a probe, not from stderr text: when the
/// listing fails, `nft -j list tables <family>` tells whether the table exists; when it does not,
/// the listing is empty, otherwise (or when the probe fails too) the failure is thrown.
public struct NftTable: Sendable, CustomStringConvertible {
    public let family: String
    public let name: String

    public init(family: String, name: String) {
        self.family = family
        self.name = name
    }

    /// `<family> <name>`, as nft commands name it.
    public var description: String { "\(family) \(name)" }

    /// The table's chains and rules; empty when the table does not exist.
    public func listing() throws -> NftRuleListing {
        let r = try FirewallBatch.execute(.nft, arguments: ["-j", "list", "table", family, name])
        if r.exitStatus == 0 { return try NftRuleListing(json: r.stdoutText) }
        let failure = FirewallBatch.Failure(tool: "nft", status: r.exitStatus, stderr: r.stderrText)
        let tables = try FirewallBatch.execute(.nft, arguments: ["-j", "list", "tables", family])
        guard tables.exitStatus == 0, let names = try? NftRuleListing.tableNames(json: tables.stdoutText),
              !names.contains(name) else { throw failure }
        return NftRuleListing()
    }
}
