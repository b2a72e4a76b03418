import CNIValues

/// A pod as the inspector observes it: its end of a veth pair, inside the pod's network namespace.
public struct ObservedPod: Sendable, Equatable {
    /// The netns path it was found through (/run/netns/NAME preferred over /proc/PID/ns/net).
    public var netns: String
    public var netnsInode: UInt64
    public var name: String
    public var index: Int32
    /// IFLA_LINK: the host end's ifindex.
    public var peerIndex: Int32?
    public var mtu: Int
    public var mac: MACAddress?
    /// Global addresses with their prefix (link-local IPv6 left out).
    public var addresses: [IPNetwork]

    public init(netns: String, netnsInode: UInt64 = 0, name: String, index: Int32, peerIndex: Int32? = nil,
                mtu: Int = 1500, mac: MACAddress? = nil, addresses: [IPNetwork] = []) {
        self.netns = netns
        self.netnsInode = netnsInode
        self.name = name
        self.index = index
        self.peerIndex = peerIndex
        self.mtu = mtu
        self.mac = mac
        self.addresses = addresses
    }

    public func holds(_ ip: IPAddress) -> Bool { addresses.contains { $0.address == ip } }
}
