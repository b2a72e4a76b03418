import CMnl
import CNIValues

/// A network interface as RTM_NEWLINK describes it.
package struct Link: Sendable, Hashable {
    package var index: InterfaceIndex
    package var name: String
    /// IFLA_INFO_KIND: "bridge", "veth", ... (nil for plain devices such as lo).
    package var kind: String?
    package var mtu: Int
    package var mac: MACAddress?
    /// `ifi_flags` (IFF_*).
    package var flags: Flags
    /// IFF_UP, read from and written to `flags`.
    package var isUp: Bool {
        get { flags.contains(.up) }
        set { if newValue { flags.insert(.up) } else { flags.remove(.up) } }
    }
    /// IFLA_OPERSTATE (IF_OPER_*).
    package var operState: OperationalState
    /// IF_OPER_UP: the link can pass packets (carrier on, lower layers up).
    package var isOperationallyUp: Bool { operState == .up }
    /// IFF_PROMISC, read from and written to `flags`.
    package var promiscuous: Bool {
        get { flags.contains(.promiscuous) }
        set { if newValue { flags.insert(.promiscuous) } else { flags.remove(.promiscuous) } }
    }
    /// IFLA_MASTER: the bridge this link is enslaved to.
    package var masterIndex: InterfaceIndex?
    /// IFLA_LINK: for a veth, the peer's ifindex (in the peer's namespace).
    package var parentIndex: InterfaceIndex?
    /// IFLA_LINK_NETNSID: set when the peer/parent lives in another namespace.
    package var linkNetnsID: Int32?
    /// Bridge port hairpin mode (IFLA_BRPORT_MODE), when the link is a bridge port.
    package var hairpin: Bool?
    /// Bridge port isolation (IFLA_BRPORT_ISOLATED), when the link is a bridge port.
    package var isolated: Bool?
    /// IFLA_BR_VLAN_FILTERING, when the link is a bridge.
    package var vlanFiltering: Bool?

    package init(
        index: InterfaceIndex, name: String, kind: String? = nil, mtu: Int = 1500, mac: MACAddress? = nil,
        flags: Flags = [], operState: OperationalState = .unknown,
        masterIndex: InterfaceIndex? = nil, parentIndex: InterfaceIndex? = nil, linkNetnsID: Int32? = nil,
        hairpin: Bool? = nil, isolated: Bool? = nil, vlanFiltering: Bool? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.mac = mac
        self.flags = flags
        self.operState = operState
        self.masterIndex = masterIndex
        self.parentIndex = parentIndex
        self.linkNetnsID = linkNetnsID
        self.hairpin = hairpin
        self.isolated = isolated
        self.vlanFiltering = vlanFiltering
    }

    /// Decodes an RTM_NEWLINK reply; nil when it is malformed.
    init?(message: NetlinkMessage) {
        guard message.type == UInt16(RTM_NEWLINK),
              let index = message.payload.integer(Int32.self, at: 4),
              let flags = message.payload.integer(UInt32.self, at: 8)
        else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<ifinfomsg>.size)
        guard let name = attributes.string(IFLA_IFNAME) else { return nil }
        self.init(index: InterfaceIndex(index), name: name, flags: Flags(rawValue: flags))
        mtu = attributes.u32(IFLA_MTU).map { Int($0) } ?? 0
        mac = attributes[IFLA_ADDRESS].flatMap { MACAddress(bytes: Array($0)) }
        operState = OperationalState(rawValue: attributes.u8(IFLA_OPERSTATE) ?? 0)
        masterIndex = attributes.u32(IFLA_MASTER).map(InterfaceIndex.init(bitPattern:)).flatMap { $0 == .unspecified ? nil : $0 }
        parentIndex = attributes.u32(IFLA_LINK).map(InterfaceIndex.init(bitPattern:))
        linkNetnsID = attributes.i32(IFLA_LINK_NETNSID)
        if let info = attributes.nested(IFLA_LINKINFO) {
            kind = info.string(IFLA_INFO_KIND)
            if kind == "bridge", let data = info.nested(IFLA_INFO_DATA) {
                vlanFiltering = data.u8(IFLA_BR_VLAN_FILTERING).map { $0 != 0 }
            }
            if info.string(IFLA_INFO_SLAVE_KIND) == "bridge", let port = info.nested(IFLA_INFO_SLAVE_DATA) {
                hairpin = port.u8(IFLA_BRPORT_MODE).map { $0 != 0 }
                isolated = port.u8(IFLA_BRPORT_ISOLATED).map { $0 != 0 }
            }
        }
        if let port = attributes.nested(IFLA_PROTINFO) {  // AF_BRIDGE dumps
            hairpin = port.u8(IFLA_BRPORT_MODE).map { $0 != 0 } ?? hairpin
            isolated = port.u8(IFLA_BRPORT_ISOLATED).map { $0 != 0 } ?? isolated
        }
    }
}
