import CNIProtocol

/// One way of installing the port forwarding rules (iptables or nftables).
protocol PortmapBackend {
    /// Installs (or replaces) the container's rules for each address in `pod`.
    func add(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws
    /// Removes the container's rules of both families; succeeds when there are none.
    func del(_ config: PortmapConfig, containerID: String) throws
    /// Fails when a rule of the container (for the families in `pod`) is missing.
    func check(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws
    /// Removes the rules of this network's containers that are not in `keep`.
    func gc(_ config: PortmapConfig, keep: Set<String>) throws
}

extension PortmapBackend {
    /// nftables rules carry only the container ID, not the network, so another network's rules
    /// cannot be told apart: no GC there.
    func gc(_ config: PortmapConfig, keep: Set<String>) throws {}
}
