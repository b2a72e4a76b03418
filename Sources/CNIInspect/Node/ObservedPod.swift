import CNINetlink
import CNIValues

/// A pod as the inspector observes it: its end of a veth pair, inside the pod's network namespace.
struct ObservedPod: Sendable, Equatable {
    /// The netns path it was found through (/run/netns/NAME preferred over /proc/PID/ns/net).
    var netns: String
    var netnsInode: UInt64 = 0
    var name: String
    var index: InterfaceIndex
    /// IFLA_LINK: the host end's ifindex.
    var peerIndex: InterfaceIndex?
    var mtu: Int = 1500
    var mac: MACAddress?
    /// Global addresses with their prefix (link-local IPv6 left out).
    var addresses: [IPNetwork] = []

    func holds(_ ip: IPAddress) -> Bool { addresses.contains { $0.address == ip } }
}
