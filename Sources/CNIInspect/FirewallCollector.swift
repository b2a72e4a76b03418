import CNIFirewall
import CNISystem

/// Runs `iptables-save -t nat`, `ip6tables-save -t nat` and `nft -j list ruleset` inside the node
/// netns (the thread enters it; the spawned tool inherits it) and reads their output through
/// CNIFirewall's models (`IptablesRuleset`, `NftRuleListing`).
struct FirewallCollector {
    let node: NetworkNamespace?

    func collect(network: String?, notes: inout [String]) -> FirewallState {
        var state = FirewallState()
        for (tool, ipv6) in [(FirewallBatch.Tool.iptablesSave, false), (.ip6tablesSave, true)] {
            if let text = run(tool, ["-t", "nat"], notes: &notes) {
                state.merge(IptablesStateParser.parse(text, ipv6: ipv6))
            }
        }
        if let text = run(.nft, ["-j", "list", "ruleset"], notes: &notes) {
            do {
                state.merge(try NftStateParser.parse(json: text))
            } catch {
                notes.append("nft: \(error)")
            }
        }
        guard let network else { return state }
        state.hostPorts = state.hostPorts.filter { $0.network == nil || $0.network == network }
        state.masquerades = state.masquerades.filter { $0.network == nil || $0.network == network }
        state.artifacts = state.artifacts.filter { $0.network == nil || $0.network == network }
        return state
    }

    private func run(_ tool: FirewallBatch.Tool, _ arguments: [String], notes: inout [String]) -> String? {
        guard FirewallBatch.isAvailable(tool) else {
            if tool != .nft { notes.append("\(tool.rawValue) not found: its rules were not read") }
            return nil
        }
        do {
            let body = { () throws -> String in try FirewallBatch.run(tool, arguments: arguments) }
            return try node.map { try $0.run(body) } ?? body()
        } catch {
            notes.append("\(tool.rawValue): \(error)".trimmingBlanks())
            return nil
        }
    }
}
