import CNIValues

/// Per-container chain names, derived exactly as the reference does so rules written by
/// either implementation are found and removed by the other.
package enum ChainName {
    /// bridge's masquerade chain: `CNI-` + 24 hex of sha512(name + containerID).
    package static func masquerade(network: String, containerID: String) -> String {
        "CNI-" + prefix(network: network, containerID: containerID, length: 24)
    }

    /// portmap's DNAT chain: `CNI-DN-` + 21 hex of sha512(name + containerID).
    package static func portmapDNAT(network: String, containerID: String) -> String {
        "CNI-DN-" + prefix(network: network, containerID: containerID, length: 21)
    }

    /// Whether `name` is a portmap DNAT chain: `CNI-DN-` + 21 lowercase hex.
    package static func isPortmapDNAT(_ name: String) -> Bool {
        name.hasPrefix("CNI-DN-") && isHex(name.dropFirst(7), count: 21)
    }

    /// Whether `name` is a bridge masquerade chain: `CNI-` + 24 lowercase hex.
    package static func isMasquerade(_ name: String) -> Bool {
        name.hasPrefix("CNI-") && isHex(name.dropFirst(4), count: 24)
    }

    static func isHex(_ s: Substring, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func prefix(network: String, containerID: String, length: Int) -> String {
        String(SHA512.hexDigest(Array((network + containerID).utf8)).prefix(length))
    }
}
