import CNINetlink
import CNIValues

/// The pod bridge (`cni0`) as the node's netlink shows it.
public struct BridgeState: Sendable, Equatable {
    public var name: String
    public var index: InterfaceIndex
    public var mtu: Int
    public var mac: MACAddress?
    public var isUp: Bool
    /// Global addresses (link-local IPv6 left out).
    public var addresses: [IPNetwork]
    public var ports: [BridgePort]

    public init(name: String, index: InterfaceIndex, mtu: Int, mac: MACAddress? = nil, isUp: Bool = true,
                addresses: [IPNetwork] = [], ports: [BridgePort] = []) {
        self.name = name
        self.index = index
        self.mtu = mtu
        self.mac = mac
        self.isUp = isUp
        self.addresses = addresses
        self.ports = ports
    }

    /// The networks of the bridge's addresses: the pod subnets it serves.
    public var subnets: [IPNetwork] { addresses.map(\.network) }
}
