/// The names bridge's ipMasq writes and cni-inspect reads, defined once, so the renderers and the
/// parsers cannot drift apart.
public enum MasqueradeNames {
    /// iptables, table nat: the chain holding the jumps to the per-container chains.
    public static let jumpChain = "POSTROUTING"
    /// nftables: `table inet cni_plugins_masquerade` (upstream v1.6+).
    public static let nftFamily = "inet"
    public static let nftTable = "cni_plugins_masquerade"
    /// nftables: the chain of per-container rules.
    public static let nftChecksChain = "masq_checks"
}
