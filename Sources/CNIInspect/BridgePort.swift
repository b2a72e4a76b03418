import CNIValues

/// One port of the bridge: the host end of a pod's veth and, when found, the pod end.
public struct BridgePort: Sendable, Equatable {
    /// How the pod end was found.
    public enum Match: String, Sendable, Equatable {
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

    public var name: String
    public var index: Int32
    public var kind: String?
    public var mtu: Int
    public var mac: MACAddress?
    public var hairpin: Bool?
    /// IFLA_LINK: the peer's ifindex in its own netns.
    public var peerIndex: Int32?
    /// IFLA_LINK_NETNSID: the node's id for the peer's netns.
    public var peerNetnsID: Int32?
    public var match: Match
    /// The pod end (set for `exact`, `unique`, `ambiguous`).
    public var pod: ObservedPod?
    /// For `ambiguous`: every candidate pod end.
    public var candidates: [ObservedPod]

    public init(name: String, index: Int32, kind: String? = "veth", mtu: Int = 1500, mac: MACAddress? = nil,
                hairpin: Bool? = nil, peerIndex: Int32? = nil, peerNetnsID: Int32? = nil,
                match: Match = .none, pod: ObservedPod? = nil, candidates: [ObservedPod] = []) {
        self.name = name
        self.index = index
        self.kind = kind
        self.mtu = mtu
        self.mac = mac
        self.hairpin = hairpin
        self.peerIndex = peerIndex
        self.peerNetnsID = peerNetnsID
        self.match = match
        self.pod = pod
        self.candidates = candidates
    }

    public var isVeth: Bool { kind == "veth" }
}
