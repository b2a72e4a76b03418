import CMnl

/// An nf_tables address family, as `nft` names it (`nft list table inet nat`); the raw value is
/// that name, `protocolFamily` the NFPROTO_* number a request carries in `nfgen_family`.
package enum NftFamily: String, Sendable, Hashable, CaseIterable {
    /// NFPROTO_IPV4
    case ip
    /// NFPROTO_IPV6
    case ip6
    /// NFPROTO_INET: IPv4 and IPv6 in one table.
    case inet
    /// NFPROTO_ARP
    case arp
    /// NFPROTO_BRIDGE
    case bridge
    /// NFPROTO_NETDEV
    case netdev

    /// NFPROTO_*: the family's number in `nfgen_family`.
    package var protocolFamily: UInt8 {
        switch self {
        case .ip: return UInt8(NFPROTO_IPV4)
        case .ip6: return UInt8(NFPROTO_IPV6)
        case .inet: return UInt8(NFPROTO_INET)
        case .arp: return UInt8(NFPROTO_ARP)
        case .bridge: return UInt8(NFPROTO_BRIDGE)
        case .netdev: return UInt8(NFPROTO_NETDEV)
        }
    }
}
