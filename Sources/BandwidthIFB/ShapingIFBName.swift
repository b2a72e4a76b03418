import CNIValues

/// The name of the ifb the bandwidth plugin shapes a pod's egress on: `bwp` + the first 12 hex
/// digits of sha512(network name + container ID), 15 characters, as the reference names it.
/// One owner of the format: the plugin creates and deletes by it, cni-inspect and GC recognise it.
package enum ShapingIFBName {
    package static let prefix = "bwp"

    package static func of(network: String, containerID: String) -> String {
        prefix + String(SHA512.hexDigest(Array((network + containerID).utf8)).prefix(12))
    }

    /// Whether a link name has that shape (the name alone never makes an ifb ours: other
    /// networks' ifbs look the same).
    package static func matches(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard utf8.count == prefix.utf8.count + 12, name.hasPrefix(prefix) else { return false }
        return utf8.dropFirst(prefix.utf8.count).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
