import CNIFirewall
import CNIProtocol

/// Applies `SpoofCheckRules` (macspoofchk): one listing of table `bridge nat`, one `nft -f`.
struct SpoofCheck {
    let rules: SpoofCheckRules

    init(containerID: String, ifname: String) {
        rules = SpoofCheckRules(containerID: containerID, ifname: ifname)
    }

    func setup(hostInterface: String, mac: String) throws {
        do {
            try FirewallBatch.withAttempts {
                try FirewallBatch.nft(rules.setup(hostInterface: hostInterface, mac: mac, existing: try listing()))
            }
        } catch {
            throw CNIError.internalFailure("failed to setup spoof-check: \(error)")
        }
    }

    func teardown() throws {
        guard FirewallBatch.isAvailable(.nft) else { return }
        do {
            try FirewallBatch.withAttempts {
                if let batch = try rules.teardown(existing: try listing()) { try FirewallBatch.nft(batch) }
            }
        } catch {
            throw CNIError.internalFailure("failed to teardown spoof-check: \(error)")
        }
    }

    /// Table `bridge nat`; empty when it does not exist.
    private func listing() throws -> NftRuleListing {
        try SpoofCheckRules.nftTable.listing()
    }
}
