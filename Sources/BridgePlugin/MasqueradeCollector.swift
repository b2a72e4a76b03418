import CNIFirewall
import CNIProtocol

/// GC of ipMasq rules: removes the rules of this network whose attachment is not in
/// `cni.dev/valid-attachments` (the reference leaves them: no plugin implements GC).
/// iptables chains are found through their comment `name: "<net>" id: "<cid>"`, nftables rules
/// through the network hash that starts their comment.
struct MasqueradeCollector {
    let network: String
    let valid: [Attachment]

    func run() throws {
        var errors: [String] = []
        for v6 in [false, true] {
            guard FirewallBatch.isAvailable(v6 ? .ip6tablesSave : .iptablesSave) else { continue }
            do {
                let save = try FirewallBatch.save(ipv6: v6, table: "nat")
                for id in staleContainerIDs(inSave: save) {
                    let rules = MasqueradeRules(network: network, containerID: id, ifname: "")
                    if let batch = rules.iptablesTeardown(existing: save) { try FirewallBatch.restore(ipv6: v6, batch) }
                }
            } catch {
                errors.append("\(v6 ? "ip6tables" : "iptables"): \(error)")
            }
        }
        if FirewallBatch.isAvailable(.nft) {
            do {
                let listing = try FirewallBatch.run(.nft, arguments: ["-a", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks"])
                if let batch = nftBatch(listing: listing) { try FirewallBatch.nft(batch) }
            } catch let f as FirewallBatch.Failure where f.stderr.contains("No such file or directory") {
            } catch {
                errors.append("nftables: \(error)")
            }
        }
        guard errors.isEmpty else {
            throw CNIError.internalFailure("failed to garbage-collect IP masquerade rules: " + errors.joined(separator: "; "))
        }
    }

    /// Container IDs with a POSTROUTING jump commented for this network but no valid attachment.
    func staleContainerIDs(inSave save: String) -> [String] {
        let validIDs = Set(valid.map(\.containerID))
        let marker = "--comment \"name: \\\"\(network)\\\" id: \\\""
        var out: [String] = []
        for line in save.split(separator: "\n") where line.hasPrefix("-A POSTROUTING ") {
            guard let r = line.ranges(of: marker).first else { continue }
            let id = String(line[r.upperBound...].prefix { $0 != "\\" && $0 != "\"" })
            if !id.isEmpty, !validIDs.contains(id), !out.contains(id) { out.append(id) }
        }
        return out
    }

    /// Deletes masq_checks rules of this network whose comment belongs to no valid attachment.
    func nftBatch(listing: String) -> String? {
        let networkHash = String(MasqueradeRules(network: network, containerID: "", ifname: "").nftInstanceHash.prefix(16))
        let keep = Set(valid.map { MasqueradeRules(network: network, containerID: $0.containerID, ifname: $0.ifname).nftInstanceHash })
        var lines: [String] = []
        for line in listing.split(separator: "\n") {
            guard let c = line.ranges(of: "comment \"\(networkHash)-").first,
                  let h = line.ranges(of: " # handle ").last,
                  let handle = Int(line[h.upperBound...].filter { $0 != " " })
            else { continue }
            let hash = networkHash + "-" + String(line[c.upperBound...].prefix(16))
            if !keep.contains(hash) { lines.append("delete rule inet cni_plugins_masquerade masq_checks handle \(handle)") }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n") + "\n"
    }
}
