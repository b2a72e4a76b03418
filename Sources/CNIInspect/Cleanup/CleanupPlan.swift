import CNIFirewall
import CNINetlink

/// The steps that remove what a gone container left behind (pure). Order: NAT rules first (one
/// batch per backend, so nothing points at a chain being deleted), then flannel's own DEL path —
/// the saved delegate config handed to its plugin's DEL, which releases the reservations under
/// host-local's lock — and the saved file; reservations that DEL does not reach are released
/// directly, under the lock.
enum CleanupPlan {
    static func steps(for trace: ContainerTrace) -> [CleanupStep] {
        var steps = firewallSteps(trace.artifacts)
        var released: [IPAllocation] = []
        if let saved = trace.savedConfig {
            if saved.error == nil, let type = saved.type {
                var ifnames: [String] = []
                for a in trace.allocations {
                    let name = a.ifname ?? "eth0"
                    if !ifnames.contains(name) { ifnames.append(name) }
                }
                for ifname in ifnames.isEmpty ? ["eth0"] : ifnames {
                    steps.append(.pluginDel(type: type, containerID: trace.containerID, ifname: ifname, configPath: saved.path))
                }
                let reached = saved.storeDirectory.map(normalized)
                released = trace.allocations.filter { normalized(directory(of: $0)) != reached }
            } else {
                released = trace.allocations
            }
            steps.append(.removeFile(path: saved.path))
        } else {
            released = trace.allocations
        }
        for a in released {
            steps.append(.releaseIP(path: a.path, lockPath: a.lockPath, containerID: a.containerID))
        }
        return steps
    }

    /// `-D` every referencing rule, then `-F` and `-X` every chain, per iptables family
    /// (`IptablesRestoreBatch`); one nft batch deleting rules by handle (`NftBatch`).
    static func firewallSteps(_ artifacts: [FirewallArtifact]) -> [CleanupStep] {
        var steps: [CleanupStep] = []
        for ipv6 in [false, true] {
            var deletes: [IptablesRule] = [], chains: [String] = []
            for a in artifacts {
                switch a.item {
                case .iptablesRule(let v6, let rule) where v6 == ipv6:
                    if (try? rule.restoreLine(.delete)) != nil, !deletes.contains(rule) { deletes.append(rule) }
                case .iptablesChain(let v6, let name) where v6 == ipv6:
                    if (try? IptablesRule.checkChainName(name)) != nil, !chains.contains(name) { chains.append(name) }
                default:
                    break
                }
            }
            guard !deletes.isEmpty || !chains.isEmpty else { continue }
            var batch = IptablesRestoreBatch(table: "nat")
            do {
                for rule in deletes { try batch.delete(rule) }
                for chain in chains { try batch.flush(chain) }
                for chain in chains { try batch.deleteChain(chain) }
            } catch {
                continue  // every value was checked above
            }
            steps.append(.iptablesRestore(ipv6: ipv6, text: batch.text))
        }
        var nft: [String] = []
        for a in artifacts {
            guard case .nftRule(let familyName, let table, let chain, let handle, _) = a.item,
                  let family = NftFamily(rawValue: familyName), (try? NftText.checkIdentifier(table)) != nil
            else { continue }
            var batch = NftBatch(table: NftTable(family: family, name: table))
            guard (try? batch.deleteRule(chain, handle: handle)) != nil else { continue }
            for line in batch.lines where !nft.contains(line) { nft.append(line) }
        }
        if !nft.isEmpty { steps.append(.nft(text: nft.joined(separator: "\n") + "\n")) }
        return steps
    }

    static func directory(of allocation: IPAllocation) -> String {
        allocation.lockPath.hasSuffix("/lock") ? String(allocation.lockPath.dropLast(5)) : allocation.lockPath
    }

    /// `a//b/` → `a/b`.
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
