import BandwidthIFB
import CNINetlink
import CNISystem

/// Gathers a `NodeSnapshot` with the thin collectors. Only an unreadable node netns or a failing
/// netlink dump is fatal; every other failure becomes a note in the snapshot.
struct SnapshotCollector {
    let options: InspectOptions
    /// The opened `--netns` (nil: the current netns).
    let node: NetworkNamespace?

    func collect() throws -> NodeSnapshot {
        var notes: [String] = []
        let store = StoreCollector()
        var snapshot = NodeSnapshot(netns: options.netns, subnetFilePath: options.subnetFile, bridgeName: options.bridge,
                                    ipamDirectory: options.ipamDirectory, flannelDirectory: options.flannelDirectory)
        snapshot.subnetEnv = store.subnetEnv(path: options.subnetFile, notes: &notes)
        let links = LinkCollector(node: node, nodePath: options.netns ?? "/proc/self/ns/net")
        do {
            snapshot.bridge = try links.collect(bridgeName: options.bridge, notes: &notes)
        } catch {
            throw InspectError("cannot read links\(options.netns.map { " in " + $0 } ?? ""): \(error)")
        }
        snapshot.allocations = store.allocations(root: options.ipamDirectory, network: options.network, notes: &notes)
        snapshot.savedConfigs = store.savedConfigs(directory: options.flannelDirectory, notes: &notes)
        if let network = options.network {
            snapshot.savedConfigs = snapshot.savedConfigs.filter { $0.network == nil || $0.network == network }
        }
        snapshot.firewall = FirewallCollector(node: node).collect(network: options.network, notes: &notes)
        do {
            let socket = try node.map { try NetlinkSocket(in: $0) } ?? NetlinkSocket()
            snapshot.orphanIFBs = try OrphanIFB.find(socket: socket).map(\.name).sorted()
        } catch {
            notes.append("cannot read traffic-control state (bandwidth ifbs): \(error)")
        }
        snapshot.notes = notes
        return snapshot
    }
}

/// A failure that ends the inspection, printed as `cni-inspect: <text>`.
struct InspectError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
