/// The rule backends the inspector reads.
enum FirewallBackend: String, Sendable, Equatable, Comparable {
    case iptables, ip6tables, nftables

    static func < (a: FirewallBackend, b: FirewallBackend) -> Bool { a.rawValue < b.rawValue }
}
