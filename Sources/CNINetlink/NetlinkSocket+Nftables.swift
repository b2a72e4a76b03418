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
