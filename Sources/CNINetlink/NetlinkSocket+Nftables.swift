import CMnl
import CNISystem
import Glibc

/// nf_tables over NETLINK_NETFILTER, only as far as the firewall layer needs a cheap, exact
/// answer the `nft` tool gives slowly on a big ruleset (`nft list tables` loads every rule).
/// Use on a socket from `NetlinkSocket.netfilter()`.
extension NetlinkSocket {
    /// Whether table `name` of `family` exists: NFT_MSG_GETTABLE answers with the table or ENOENT.
    package func nftTableExists(family: NftFamily, name: String) throws -> Bool {
        var m = NetlinkRequest(type: Self.nftables(NFT_MSG_GETTABLE.rawValue))
        m.header(bytes: [family.protocolFamily, UInt8(NFNETLINK_V0), 0, 0])
        try m.put(Int(NFTA_TABLE_NAME.rawValue), string: name)
        let outcome: Result<[NetlinkMessage], NetlinkError> = Result { () throws(NetlinkError) in
            try execute(m, "get nftables table \(family) \(name)")
        }
        switch outcome {
        case .success: return true
        case .failure(let error):
            if error.errno == .noSuchFileOrDirectory { return false }
            throw error
        }
    }

    /// Whether chain `chain` of table `table` exists: NFT_MSG_GETCHAIN answers with the chain or
    /// ENOENT (also when the table does not exist).
    package func nftChainExists(family: NftFamily, table: String, chain: String) throws -> Bool {
        let operation = "get nftables chain \(family) \(table) \(chain)"
        var m = NetlinkRequest(type: Self.nftables(NFT_MSG_GETCHAIN.rawValue))
        m.header(bytes: [family.protocolFamily, UInt8(NFNETLINK_V0), 0, 0])
        try m.put(Int(NFTA_CHAIN_TABLE.rawValue), string: table)
        try m.put(Int(NFTA_CHAIN_NAME.rawValue), string: chain)
        let outcome: Result<[NetlinkMessage], NetlinkError> = Result { () throws(NetlinkError) in try execute(m, operation) }
        switch outcome {
        case .success: return true
        case .failure(let error):
            if error.errno == .noSuchFileOrDirectory { return false }
            throw error
        }
    }

    /// The rules of chain `chain` of table `table`, in order: an NFT_MSG_GETRULE dump the kernel
    /// filters by table and chain, so its cost does not grow with the rest of the ruleset. A chain
    /// (or table) that does not exist lists as empty; ask `nftChainExists` to tell them apart.
    package func nftRules(family: NftFamily, table: String, chain: String) throws -> [NftKernelRule] {
        let operation = "list nftables rules of \(family) \(table) \(chain)"
        var m = NetlinkRequest(type: Self.nftables(NFT_MSG_GETRULE.rawValue), dump: true)
        m.header(bytes: [family.protocolFamily, UInt8(NFNETLINK_V0), 0, 0])
        try m.put(Int(NFTA_RULE_TABLE.rawValue), string: table)
        try m.put(Int(NFTA_RULE_CHAIN.rawValue), string: chain)
        return try execute(m, operation).compactMap { message in
            message.type == UInt16(Self.nftables(NFT_MSG_NEWRULE.rawValue)) ? NftKernelRule(payload: message.payload) : nil
        }
    }

    /// The netlink message type of nf_tables message `message` (NFNL_SUBSYS_NFTABLES << 8 | message).
    static func nftables(_ message: UInt32) -> Int { Int(NFNL_SUBSYS_NFTABLES) << 8 | Int(message) }
}
