/// One masquerade rule of a pod address (bridge's ipMasq).
struct MasqueradeEntry: Sendable, Equatable {
    var containerID: String
    var network: String?
    var backend: FirewallBackend
    /// The pod address (`-s 10.244.1.3/32` → `10.244.1.3`).
    var source: String
    /// `CNI-<24 hex>`, or the nft chain.
    var chain: String
}
