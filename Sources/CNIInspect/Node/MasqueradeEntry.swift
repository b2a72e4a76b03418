/// One masquerade rule of a pod address (bridge's ipMasq).
public struct MasqueradeEntry: Sendable, Equatable {
    public var containerID: String
    public var network: String?
    public var backend: FirewallBackend
    /// The pod address (`-s 10.244.1.3/32` → `10.244.1.3`).
    public var source: String
    /// `CNI-<24 hex>`, or the nft chain.
    public var chain: String

    public init(containerID: String, network: String?, backend: FirewallBackend, source: String, chain: String) {
        self.containerID = containerID
        self.network = network
        self.backend = backend
        self.source = source
        self.chain = chain
    }
}
