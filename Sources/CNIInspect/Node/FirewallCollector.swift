import CNIFirewall
import CNISystem

/// Runs `iptables-save -t nat`, `ip6tables-save -t nat` and `nft -j list ruleset` inside the node
/// netns (the thread enters it; the spawned tool inherits it) and reads their output through
/// CNIFirewall's models (`IptablesRuleset`, `NftRuleListing`).
struct FirewallCollector {
    let node: NetworkNamespace?

    func collect(network: String?, notes: inout [String]) -> FirewallState {
        var state = FirewallState()
        for ipv6 in [false, true] {
            if let text = read(.save(ipv6: ipv6), notes: &notes, { try FirewallBatch.save(ipv6: ipv6, table: "nat") }) {
                state.merge(IptablesStateParser.parse(text, ipv6: ipv6))
            }
        }
        if let listing = read(.nft, notes: &notes, { try FirewallBatch.nftRuleset() }) {
            state.merge(NftStateParser.parse(listing))
        }
        guard let network else { return state }
        state.hostPorts = state.hostPorts.filter { $0.network == nil || $0.network == network }
        state.masquerades = state.masquerades.filter { $0.network == nil || $0.network == network }
        state.artifacts = state.artifacts.filter { $0.network == nil || $0.network == network }
        return state
    }

    /// `body` in the node netns; nil (and a note) when `tool` is missing or the read fails.
    private func read<T>(_ tool: FirewallBatch.Tool, notes: inout [String], _ body: () throws -> T) -> T? {
        guard FirewallBatch.isAvailable(tool) else {
            if tool != .nft { notes.append("\(tool.rawValue) not found: its rules were not read") }
            return nil
        }
        do {
            return try node.map { try $0.run(body) } ?? body()
        } catch {
            notes.append("\(tool.rawValue): \(error)".trimmingBlanks())
            return nil
        }
    }
}
