import CNIProtocol
import CNIValues
import FlannelSubnet
import HostLocalStore

/// Everything the inspector knows about one node's pod network, gathered once by the collectors.
/// Pure data: the problem finder, the cleanup planner and both reports work on it alone.
public struct NodeSnapshot: Sendable, Equatable {
    /// The node netns inspected (nil: the inspector's own).
    public var netns: String?
    public var subnetFilePath: String
    /// nil when the file could not be read (see `notes`).
    public var subnetEnv: SubnetEnvReport?
    public var bridgeName: String
    /// nil when the node has no such bridge.
    public var bridge: BridgeState?
    public var ipamDirectory: String
    public var allocations: [IPAllocation]
    public var flannelDirectory: String
    public var savedConfigs: [SavedFlannelConfig]
    public var firewall: FirewallState
    /// ifbs of the bandwidth plugin that no filter on any link redirects to (`OrphanIFB`).
    public var orphanIFBs: [String] = []
    /// What could not be read, and other remarks (tools missing, unreadable files).
    public var notes: [String]

    public init(netns: String? = nil, subnetFilePath: String = FlannelDefaults.subnetFile, subnetEnv: SubnetEnvReport? = nil,
                bridgeName: String = CNIDefaults.bridgeName, bridge: BridgeState? = nil, ipamDirectory: String = StoreLayout.defaultDataDir,
                allocations: [IPAllocation] = [], flannelDirectory: String = FlannelDefaults.dataDirectory,
                savedConfigs: [SavedFlannelConfig] = [], firewall: FirewallState = FirewallState(), notes: [String] = []) {
        self.netns = netns
        self.subnetFilePath = subnetFilePath
        self.subnetEnv = subnetEnv
        self.bridgeName = bridgeName
        self.bridge = bridge
        self.ipamDirectory = ipamDirectory
        self.allocations = allocations
        self.flannelDirectory = flannelDirectory
        self.savedConfigs = savedConfigs
        self.firewall = firewall
        self.notes = notes
    }

    public var ports: [BridgePort] { bridge?.ports ?? [] }

    /// Ports whose pod end was found (first candidate for ambiguous ones).
    public var pods: [(port: BridgePort, pod: ObservedPod)] {
        ports.compactMap { port in port.pod.map { (port, $0) } }
    }

    /// The port whose pod holds `ip` (any candidate of an ambiguous port counts).
    public func port(holding ip: IPAddress) -> BridgePort? {
        ports.first { port in
            (port.pod.map { $0.holds(ip) } ?? false) || port.candidates.contains { $0.holds(ip) }
        }
    }

    /// The allocation of a pod's address, when the store has one.
    public func allocation(of ip: IPAddress) -> IPAllocation? {
        allocations.first { $0.ip == ip }
    }

    /// The container a pod belongs to, through its addresses' reservations.
    public func containerID(of pod: ObservedPod) -> String? {
        for a in pod.addresses { if let alloc = allocation(of: a.address) { return alloc.containerID } }
        return nil
    }

    /// The pod subnets this node's bridge serves: its address networks, else subnet.env's.
    public var podSubnets: [IPNetwork] {
        var out = bridge?.subnets ?? []
        for s in subnetEnv?.podSubnets ?? [] where !out.contains(s) { out.append(s) }
        return out
    }
}
