import CNINetlink
import CNIValues

/// One port of the bridge: the host end of a pod's veth and, when found, the pod end.
struct BridgePort: Sendable, Equatable {
    /// How the pod end was found.
    enum Match: String, Sendable, Equatable {
        /// The peer netns is the one the veth's IFLA_LINK_NETNSID names, and the ifindexes pair up.
        case exact
        /// Only one scanned netns has an interface pairing up with this veth.
        case unique
        /// Several scanned namespaces pair up (ifindexes are per netns); `pod` is the first of them.
        case ambiguous
        /// No scanned netns holds the peer.
        case none
        /// Not a veth (nothing to look for).
        case notVeth = "not-veth"
    }

    var name: String
    var index: InterfaceIndex
    var kind: String? = "veth"
    var mtu: Int = 1500
    var mac: MACAddress?
    var hairpin: Bool?
    /// IFLA_LINK: the peer's ifindex in its own netns.
    var peerIndex: InterfaceIndex?
    /// IFLA_LINK_NETNSID: the node's id for the peer's netns.
    var peerNetnsID: Int32?
    var match: Match = .none
    /// The pod end (set for `exact`, `unique`, `ambiguous`).
    var pod: ObservedPod?
    /// For `ambiguous`: every candidate pod end.
    var candidates: [ObservedPod] = []

    var isVeth: Bool { kind == "veth" }
}
