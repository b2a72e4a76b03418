import CNINetlink
import CNIValues

/// The bridge still carries the gateway of an earlier node subnet (flanneld got a new lease: the
/// node re-registered, etcd was wiped), and the IPAM result asks for a gateway of the new one.
/// Pure rules; `BridgeDevice.ensureAddress` applies them.
///
/// - Only an IPv4 address that neither contains the new gateway nor lies in the new subnet is
///   "of an earlier lease"; any other different address keeps the reference's error.
/// - It is replaced only when no pod of the old subnet is attached: every bridge port that
///   existed before this ADD's own port (a lower ifindex: the kernel hands out ifindexes in
///   increasing order) counts as such a pod. A concurrent ADD of the new subnet may be counted
///   too; it then fails once and succeeds on the runtime's retry, when the address is right.
struct LeaseChange: Equatable, Sendable {
    var old: IPNetwork
    var new: IPNetwork

    /// nil when `existing` versus `wanted` is not a lease change.
    init?(existing: IPNetwork, wanted: IPNetwork) {
        guard existing.family == .v4, wanted.family == .v4, existing != wanted,
              !existing.network.contains(wanted.address), !wanted.network.contains(existing.address) else { return nil }
        old = existing
        new = wanted
    }

    /// Ports (name, ifindex) of pods of the old subnet: attached before `ownPort`, which is not one.
    static func podsOfEarlierLease(ports: [(name: String, index: InterfaceIndex)], ownPort: InterfaceIndex) -> [String] {
        ports.filter { $0.index != ownPort && $0.index < ownPort }.map(\.name).sorted()
    }

    /// The error while such pods are attached: both subnets, the pods, and what to do.
    func blockedError(bridge: String, pods: [String]) -> String {
        "\"\(bridge)\" has \(old) of the node's earlier subnet \(old.network), but the subnet is now \(new.network)"
            + " (flannel's lease changed); \(pods.count) pod(s) of the old subnet are still attached"
            + " (\(pods.joined(separator: ", "))): delete those pods, then run `cni-inspect --fix`"
            + " (or new pods replace the address once none is attached)"
    }

    func replacedMessage(bridge: String) -> String {
        "\(bridge) carried \(old) of the node's earlier subnet; no pod was attached, replaced it with \(new)"
    }
}
