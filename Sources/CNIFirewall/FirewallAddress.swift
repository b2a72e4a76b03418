import CNIValues

/// An address a rule matches: one address or a prefix. iptables writes a host as `/32` or
/// `/128` (as `iptables-save` prints it), nft as the bare address.
package enum FirewallAddress: Hashable, Sendable, CustomStringConvertible {
    case host(IPAddress)
    case prefix(IPNetwork)

    package var family: IPAddress.Family {
        switch self {
        case .host(let a): return a.family
        case .prefix(let n): return n.family
        }
    }

    /// The address alone (a prefix's address as given).
    package var address: IPAddress {
        switch self {
        case .host(let a): return a
        case .prefix(let n): return n.address
        }
    }

    /// Reads iptables' form: `/32` and `/128` are hosts, other lengths prefixes, a bare address a host.
    package init?(iptablesText text: String) {
        guard let slash = text.lastIndex(of: "/") else {
            guard let a = IPAddress(text) else { return nil }
            self = .host(a)
            return
        }
        guard let a = IPAddress(text[..<slash]), let length = Int(text[text.index(after: slash)...]),
              let n = IPNetwork(address: a, prefixLength: length) else { return nil }
        self = length == a.bitWidth ? .host(a) : .prefix(n)
    }

    /// nft's form: `10.244.1.3`, `10.244.1.0/24`.
    package var description: String {
        switch self {
        case .host(let a): return a.description
        case .prefix(let n): return n.description
        }
    }

    /// iptables' form: `10.244.1.3/32`, `10.244.1.0/24`.
    package var iptablesText: String {
        switch self {
        case .host(let a): return "\(a)/\(a.bitWidth)"
        case .prefix(let n): return n.description
        }
    }
}
