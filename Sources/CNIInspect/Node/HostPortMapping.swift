/// One hostPort → pod mapping (portmap's iptables DNAT rule, or its nft `hostports` rule).
struct HostPortMapping: Sendable, Equatable {
    var containerID: String
    /// From the iptables comment; nft rules carry only the container ID.
    var network: String?
    var backend: FirewallBackend
    var `protocol`: String
    /// `-d` / `ip daddr`, when the mapping is bound to one host address.
    var hostIP: String?
    var hostPort: Int
    /// `ip:port` (`[ip]:port` for IPv6).
    var destination: String
    /// The `CNI-DN-…` chain, or the nft chain.
    var chain: String

    init(containerID: String, network: String?, backend: FirewallBackend, protocol: String, hostIP: String? = nil,
                hostPort: Int, destination: String, chain: String) {
        self.containerID = containerID
        self.network = network
        self.backend = backend
        self.protocol = `protocol`
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.destination = destination
        self.chain = chain
    }

    /// The destination's IP without port and brackets.
    var destinationIP: String {
        var d = destination
        if d.hasPrefix("["), let close = d.firstIndex(of: "]") {
            return String(d[d.index(after: d.startIndex)..<close])
        }
        if let colon = d.lastIndex(of: ":") { d = String(d[..<colon]) }
        return d
    }
}
