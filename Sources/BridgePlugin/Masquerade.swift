import CNIFirewall
import CNIProtocol
import CNIValues

/// bridge's ipMasq: sets up through the configured (or available) `MasqueradeBackend`; tears
/// down through every available one, since DEL does not know which one ADD used.
struct Masquerade {
    let rules: MasqueradeRules

    init(network: String, containerID: String, ifname: String) {
        rules = MasqueradeRules(network: network, containerID: containerID, ifname: ifname)
    }

    static let backends: [any MasqueradeBackend] = [IptablesMasqueradeBackend(), NftMasqueradeBackend()]

    /// The configured backend, else iptables when `iptables-restore` exists, else nftables.
    static func backend(for config: BridgeConfig) -> (name: BridgeConfig.IPMasqBackend, backend: any MasqueradeBackend) {
        let choice = config.ipMasqBackend ?? (FirewallBatch.isAvailable(.iptablesRestore) ? .iptables : .nftables)
        switch choice {
        case .iptables: return (choice, IptablesMasqueradeBackend())
        case .nftables: return (choice, NftMasqueradeBackend())
        }
    }

    /// Installs the rules for `addresses` through `config`'s backend.
    func setup(_ addresses: [IPNetwork], config: BridgeConfig) throws {
        let chosen = Self.backend(for: config)
        do {
            try chosen.backend.setup(rules, addresses: addresses)
        } catch {
            throw CNIError.internalFailure("failed to set up IP masquerade (\(chosen.name.rawValue)): \(error)")
        }
    }

    /// Removes the chain and every jump to it (iptables, for `families`, both when nil) and our
    /// nftables rules. Needs no addresses: rules are found by chain name and comment hash.
    func teardown(families: [IPAddress.Family]?) throws {
        var errors: [String] = []
        for backend in Self.backends where backend.isAvailable {
            do {
                try backend.teardown(rules, families: families)
            } catch {
                errors.append("\(error)")
            }
        }
        guard errors.isEmpty else {
            throw CNIError.internalFailure("failed to remove IP masquerade rules: " + errors.joined(separator: "; "))
        }
    }
}
