import CNISystem
import CNIValues

/// The settings of one link that a request carries (vishvananda/netlink's `LinkAttrs`): what
/// `createVethPair` gives each end, and what `setLink` changes. Nil means "not sent": the kernel
/// keeps (or, at creation, picks) its own value.
package struct LinkAttributes {
    /// IFLA_IFNAME: required to create a link; on `setLink`, a rename.
    package var name: String?
    /// IFLA_MTU
    package var mtu: Int?
    /// IFLA_ADDRESS
    package var mac: MACAddress?
    /// IFLA_TXQLEN. The reference creates veths with 0: no qdisc queue.
    package var txQueueLength: Int?
    /// IFLA_MASTER: the bridge to enslave the link to; 0 removes it from its bridge.
    package var masterIndex: InterfaceIndex?
    /// IFLA_NET_NS_FD: the namespace the link is created in (or moved to).
    package var namespace: NetworkNamespace?
    /// IFF_UP, set or cleared.
    package var isUp: Bool?
    /// IFF_PROMISC, set or cleared.
    package var promiscuous: Bool?

    package init(
        name: String? = nil, mtu: Int? = nil, mac: MACAddress? = nil, txQueueLength: Int? = nil,
        masterIndex: InterfaceIndex? = nil, namespace: NetworkNamespace? = nil, isUp: Bool? = nil, promiscuous: Bool? = nil
    ) {
        self.name = name
        self.mtu = mtu
        self.mac = mac
        self.txQueueLength = txQueueLength
        self.masterIndex = masterIndex
        self.namespace = namespace
        self.isUp = isUp
        self.promiscuous = promiscuous
    }

    /// `ifi_flags` and `ifi_change` for the ifinfomsg header.
    var flagChange: (flags: Link.Flags, change: Link.Flags) {
        var flags: Link.Flags = [], change: Link.Flags = []
        if let isUp {
            change.insert(.up)
            if isUp { flags.insert(.up) }
        }
        if let promiscuous {
            change.insert(.promiscuous)
            if promiscuous { flags.insert(.promiscuous) }
        }
        return (flags, change)
    }
}
