import CNISystem

/// Which kernel interface the node's iptables writes to: nf_tables (iptables-nft, every current
/// distribution) or the legacy xtables. Decided from the file our tool lookup finds for
/// `iptables` / `ip6tables`, links resolved, never by running it: Debian's
/// `/usr/sbin/iptables -> /etc/alternatives/iptables -> iptables-nft -> xtables-nft-multi`,
/// k3s's and rke2's bundled `iptables -> xtables-nft-multi` or `xtables-legacy-multi`.
package enum IptablesVariant: Equatable, Sendable {
    case nftables
    case legacy

    /// The variant a resolved executable path is: a file named `xtables-nft-multi` or
    /// `*tables-nft` is iptables-nft; anything else (legacy, or unknown) is read the legacy way,
    /// by listing chains with the tool, which works with either.
    package static func of(resolvedPath path: String) -> IptablesVariant {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name == "xtables-nft-multi" || name.hasSuffix("tables-nft") ? .nftables : .legacy
    }

    /// The variant of the tool our lookup finds for this family; `legacy` when none is found.
    package static func current(ipv6: Bool) -> IptablesVariant {
        guard let tool = SystemTool.find(FirewallBatch.Tool.iptables(ipv6: ipv6).rawValue),
              let resolved = FileSystem.resolvedPath(tool) else { return .legacy }
        return of(resolvedPath: resolved)
    }
}
