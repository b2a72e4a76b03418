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
            try Masquerade.retryingOnce {
                try FirewallBatch.nft(rules.setup(hostInterface: hostInterface, mac: mac, existing: try listing()))
            }
        } catch {
            throw CNIError.internalFailure("failed to setup spoof-check: \(error)")
        }
    }

    func teardown() throws {
        guard FirewallBatch.isAvailable(.nft) else { return }
        do {
            try Masquerade.retryingOnce {
                if let batch = rules.teardown(existing: try listing()) { try FirewallBatch.nft(batch) }
            }
        } catch {
            throw CNIError.internalFailure("failed to teardown spoof-check: \(error)")
        }
    }

    /// `nft -a list table bridge nat`; empty when the table does not exist.
    private func listing() throws -> String {
        do {
            return try FirewallBatch.run(.nft, arguments: ["-a", "list", "table", "bridge", "nat"])
        } catch let f as FirewallBatch.Failure where f.status == 1 && f.stderr.contains("No such file or directory") {
            return ""
        }
    }
}
