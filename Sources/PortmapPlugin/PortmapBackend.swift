import CNIProtocol

/// One way of installing the port forwarding rules (iptables or nftables).
protocol PortmapBackend {
    /// Installs (or replaces) the container's rules for each address in `pod`.
    func add(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws
    /// Removes the container's rules of both families; succeeds when there are none.
    func del(_ config: PortmapConfig, containerID: String) throws
    /// Fails when a rule of the container (for the families in `pod`) is missing.
    func check(_ config: PortmapConfig, containerID: String, pod: PodAddresses) throws
}
