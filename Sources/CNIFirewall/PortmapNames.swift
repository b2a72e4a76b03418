/// The names portmap writes and cni-inspect reads, defined once (upstream keeps
/// `TopLevelDNATChainName` beside its writer), so the renderers and the parsers cannot drift apart.
public enum PortmapNames {
    /// iptables, table nat: the chain every mapping's jump is in (entered from PREROUTING and OUTPUT).
    public static let topLevelDNATChain = "CNI-HOSTPORT-DNAT"
    /// iptables: marks hairpin and localhost traffic for masquerading.
    public static let setMarkChain = "CNI-HOSTPORT-SETMARK"
    /// iptables: masquerades marked traffic (entered from POSTROUTING).
    public static let markMasqChain = "CNI-HOSTPORT-MASQ"
    /// nftables: `table ip cni_hostport` and `table ip6 cni_hostport`.
    public static let nftTable = "cni_hostport"
    /// nftables: the chain of per-container masquerade rules.
    public static let nftMasqueradingChain = "masquerading"
}
