import CNIValues

/// Per-container chain names, derived exactly as the reference does so rules written by
/// either implementation are found and removed by the other.
public enum ChainName {
    /// bridge's masquerade chain: `CNI-` + 24 hex of sha512(name + containerID).
    public static func masquerade(network: String, containerID: String) -> String {
        "CNI-" + prefix(network: network, containerID: containerID, length: 24)
    }

    /// portmap's DNAT chain: `CNI-DN-` + 21 hex of sha512(name + containerID).
    public static func portmapDNAT(network: String, containerID: String) -> String {
        "CNI-DN-" + prefix(network: network, containerID: containerID, length: 21)
    }

    static func prefix(network: String, containerID: String, length: Int) -> String {
        String(SHA512.hexDigest(Array((network + containerID).utf8)).prefix(length))
    }
}
