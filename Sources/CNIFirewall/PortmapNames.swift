/// The names portmap writes and cni-inspect reads, defined once (upstream keeps
/// `TopLevelDNATChainName` beside its writer), so the renderers and the parsers cannot drift apart.
package enum PortmapNames {
    /// iptables, table nat: the chain every mapping's jump is in (entered from PREROUTING and OUTPUT).
    package static let topLevelDNATChain = "CNI-HOSTPORT-DNAT"
    /// iptables: marks hairpin and localhost traffic for masquerading.
    package static let setMarkChain = "CNI-HOSTPORT-SETMARK"
    /// iptables: masquerades marked traffic (entered from POSTROUTING).
    package static let markMasqChain = "CNI-HOSTPORT-MASQ"
    /// nftables: `table ip cni_hostport` and `table ip6 cni_hostport`.
    package static let nftTable = "cni_hostport"
    /// nftables: the chain of per-container masquerade rules.
    package static let nftMasqueradingChain = "masquerading"
}
