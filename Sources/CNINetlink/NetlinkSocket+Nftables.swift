import CMnl
import CNISystem
import Glibc

/// nf_tables over NETLINK_NETFILTER, only as far as the firewall layer needs a cheap, exact
/// answer the `nft` tool gives slowly on a big ruleset (`nft list tables` loads every rule).
/// Use on a socket from `NetlinkSocket.netfilter()`.
extension NetlinkSocket {
    /// Whether table `name` of `family` (`ip`, `ip6`, `inet`, `bridge`, `arp`, `netdev`) exists:
    /// NFT_MSG_GETTABLE answers with the table or ENOENT.
    public func nftTableExists(family: String, name: String) throws -> Bool {
        guard let protocolFamily = Self.nfproto(family) else {
            throw NetlinkError(errno: .invalidArgument, operation: "get nftables table \(family) \(name)",
                               kernelMessage: "unknown nftables family \"\(family)\"")
        }
        var m = NetlinkRequest(type: Int(NFNL_SUBSYS_NFTABLES) << 8 | Int(NFT_MSG_GETTABLE.rawValue))
        m.header(bytes: [protocolFamily, UInt8(NFNETLINK_V0), 0, 0])
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
    package func nftChainExists(family: String, table: String, chain: String) throws -> Bool {
        let operation = "get nftables chain \(family) \(table) \(chain)"
        var m = NetlinkRequest(type: Self.nftables(NFT_MSG_GETCHAIN.rawValue))
        m.header(bytes: [try Self.nfproto(family, operation), UInt8(NFNETLINK_V0), 0, 0])
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
    package func nftRules(family: String, table: String, chain: String) throws -> [NftKernelRule] {
        let operation = "list nftables rules of \(family) \(table) \(chain)"
        var m = NetlinkRequest(type: Self.nftables(NFT_MSG_GETRULE.rawValue), dump: true)
        m.header(bytes: [try Self.nfproto(family, operation), UInt8(NFNETLINK_V0), 0, 0])
        try m.put(Int(NFTA_RULE_TABLE.rawValue), string: table)
        try m.put(Int(NFTA_RULE_CHAIN.rawValue), string: chain)
        return try execute(m, operation).compactMap { message in
            message.type == UInt16(Self.nftables(NFT_MSG_NEWRULE.rawValue)) ? NftKernelRule(payload: message.payload) : nil
        }
    }

    /// The netlink message type of nf_tables message `message` (NFNL_SUBSYS_NFTABLES << 8 | message).
    static func nftables(_ message: UInt32) -> Int { Int(NFNL_SUBSYS_NFTABLES) << 8 | Int(message) }

    static func nfproto(_ family: String, _ operation: String) throws(NetlinkError) -> UInt8 {
        guard let value = nfproto(family) else {
            throw NetlinkError(errno: .invalidArgument, operation: operation, kernelMessage: "unknown nftables family \"\(family)\"")
        }
        return value
    }

    static func nfproto(_ family: String) -> UInt8? {
        switch family {
        case "ip": return UInt8(NFPROTO_IPV4)
        case "ip6": return UInt8(NFPROTO_IPV6)
        case "inet": return UInt8(NFPROTO_INET)
        case "bridge": return UInt8(NFPROTO_BRIDGE)
        case "arp": return UInt8(NFPROTO_ARP)
        case "netdev": return UInt8(NFPROTO_NETDEV)
        default: return nil
        }
    }
}
