import CNIFirewall
import CNIProtocol
import CNIValues

/// Applies `MasqueradeRules`: one state read and one batch per family (iptables) or one list and
/// one `nft -f` (nftables).
struct Masquerade {
    let rules: MasqueradeRules

    init(network: String, containerID: String, ifname: String) {
        rules = MasqueradeRules(network: network, containerID: containerID, ifname: ifname)
    }

    static func backend(for config: BridgeConfig) -> BridgeConfig.MasqueradeBackend {
        if let b = config.ipMasqBackend { return b }
        return FirewallBatch.isAvailable(.iptablesRestore) ? .iptables : .nftables
    }

    func setup(_ addresses: [IPNetwork], backend: BridgeConfig.MasqueradeBackend) throws {
        do {
            switch backend {
            case .iptables:
                for family in [IPAddress.Family.v4, .v6] {
                    let mine = addresses.filter { $0.family == family }
                    guard !mine.isEmpty else { continue }
                    try Masquerade.retryingOnce {
                        let existing = try FirewallBatch.save(ipv6: family == .v6, table: "nat")
                        try FirewallBatch.restore(ipv6: family == .v6, rules.iptablesSetup(addresses: mine, existing: existing))
                    }
                }
            case .nftables:
                try Masquerade.retryingOnce {
                    try FirewallBatch.nft(rules.nftSetup(addresses: addresses, existing: try nftListing()))
                }
            }
        } catch {
            throw CNIError.internalFailure("failed to set up IP masquerade (\(backend.rawValue)): \(error)")
        }
    }

    /// Removes the chain and every jump to it (iptables, for `families`, both when nil) and our
    /// nftables rules. Needs no addresses: rules are found by chain name and comment hash.
    func teardown(families: [IPAddress.Family]?) throws {
        var errors: [String] = []
        for family in families ?? [.v4, .v6] {
            let v6 = family == .v6
            guard FirewallBatch.isAvailable(v6 ? .ip6tablesSave : .iptablesSave) else { continue }
            do {
                try Masquerade.retryingOnce {
                    let existing = try FirewallBatch.save(ipv6: v6, table: "nat")
                    if let batch = rules.iptablesTeardown(existing: existing) {
                        try FirewallBatch.restore(ipv6: v6, batch)
                    }
                }
            } catch {
                errors.append("\(v6 ? "ip6tables" : "iptables"): \(error)")
            }
        }
        if FirewallBatch.isAvailable(.nft) {
            do {
                try Masquerade.retryingOnce {
                    if let batch = rules.nftTeardown(existing: try nftListing()) { try FirewallBatch.nft(batch) }
                }
            } catch {
                errors.append("nftables: \(error)")
            }
        }
        guard errors.isEmpty else {
            throw CNIError.internalFailure("failed to remove IP masquerade rules: " + errors.joined(separator: "; "))
        }
    }

    /// Our masq_checks chain with rule handles; empty when the table does not exist yet.
    private func nftListing() throws -> String {
        do {
            return try FirewallBatch.run(.nft, arguments: ["-a", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
        } catch let f as FirewallBatch.Failure where f.status == 1 && f.stderr.contains("No such file or directory") {
            return ""
        }
    }

    /// A concurrent change (another pod's rules, kube-proxy) can make a batch computed from a
    /// stale read fail; one re-read and retry covers it.
    static func retryingOnce(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            try body()
        }
    }
}
