import CNINetlink

/// The names bridge's ipMasq writes and cni-inspect reads, defined once, so the renderers and the
/// parsers cannot drift apart.
package enum MasqueradeNames {
    /// iptables, table nat: the chain holding the jumps to the per-container chains.
    package static let jumpChain = "POSTROUTING"
    /// nftables: `table inet cni_plugins_masquerade` (upstream v1.6+).
    package static let nftFamily = NftFamily.inet
    package static let nftTable = "cni_plugins_masquerade"
    /// nftables: the chain of per-container rules.
    package static let nftChecksChain = "masq_checks"
}
