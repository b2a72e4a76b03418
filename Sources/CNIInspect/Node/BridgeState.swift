import CNINetlink
import CNIValues

/// The pod bridge (`cni0`) as the node's netlink shows it.
struct BridgeState: Sendable, Equatable {
    var name: String
    var index: InterfaceIndex
    var mtu: Int
    var mac: MACAddress?
    var isUp: Bool = true
    /// Global addresses (link-local IPv6 left out).
    var addresses: [IPNetwork] = []
    var ports: [BridgePort] = []

    /// The networks of the bridge's addresses: the pod subnets it serves.
    var subnets: [IPNetwork] { addresses.map(\.network) }
}
