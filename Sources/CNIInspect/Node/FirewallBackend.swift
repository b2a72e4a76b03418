/// The rule backends the inspector reads.
public enum FirewallBackend: String, Sendable, Equatable, Comparable {
    case iptables, ip6tables, nftables

    public static func < (a: FirewallBackend, b: FirewallBackend) -> Bool { a.rawValue < b.rawValue }
}
