import CNIValues

/// The comment of bridge's nftables masquerade rules, as upstream writes it
/// (`containernetworking/plugins:pkg/ip/ipmasq_nftables_linux.go`):
/// `<16 hex sha512(network)>-<16 hex sha512(ifname:containerID)>, net: <network>, if: <ifname>, id: <containerID>`,
/// at most 128 bytes, double quotes removed (nft strings have no escapes). Built and parsed only here.
package struct MasqueradeComment: Hashable, Sendable, CustomStringConvertible {
    package let network: String
    package let ifname: String
    package let containerID: String

    package init(network: String, ifname: String, containerID: String) {
        self.network = network
        self.ifname = ifname
        self.containerID = containerID
    }

    /// `<16 hex sha512(net)>-<16 hex sha512(ifname:containerID)>`: the prefix of the comment.
    package var instanceHash: String {
        Self.networkHash(network) + "-" + String(SHA512.hexDigest(Array("\(ifname):\(containerID)".utf8)).prefix(16))
    }

    /// The first half of `instanceHash`: every rule of one network.
    package static func networkHash(_ network: String) -> String {
        String(SHA512.hexDigest(Array(network.utf8)).prefix(16))
    }

    /// The comment, cut to 128 bytes.
    package var description: String {
        let strip: (String) -> String = { String($0.filter { $0 != "\"" }) }
        let full = "\(instanceHash), net: \(strip(network)), if: \(strip(ifname)), id: \(strip(containerID))"
        var out = ""
        for c in full {
            if out.utf8.count + String(c).utf8.count > 128 { break }
            out.append(c)
        }
        return out
    }

    /// The `net`, `if` and `id` fields of a listed comment (each nil when missing, e.g. cut off).
    package static func fields(of text: String) -> (network: String?, ifname: String?, containerID: String?) {
        func field(_ name: String) -> String? {
            for part in text.split(separator: ",") {
                let p = part.drop { $0 == " " }
                if p.hasPrefix(name + ": ") { return String(p.dropFirst(name.count + 2)) }
            }
            return nil
        }
        return (field("net"), field("if"), field("id"))
    }
}
