import CMnl
import CNIValues

/// A network interface as RTM_NEWLINK describes it.
public struct Link: Sendable, Hashable {
    public var index: Int32
    public var name: String
    /// IFLA_INFO_KIND: "bridge", "veth", ... (nil for plain devices such as lo).
    public var kind: String?
    public var mtu: Int
    public var mac: MACAddress?
    /// The raw `ifi_flags` (IFF_*).
    public var flags: UInt32
    /// IFF_UP, read from and written to `flags`.
    public var isUp: Bool {
        get { flags & Link.upFlag != 0 }
        set { flags = newValue ? flags | Link.upFlag : flags & ~Link.upFlag }
    }
    /// IFLA_OPERSTATE (IF_OPER_*).
    public var operState: UInt8
    /// IF_OPER_UP: the link can pass packets (carrier on, lower layers up).
    public var isOperationallyUp: Bool { operState == UInt8(IF_OPER_UP) }
    /// IFF_PROMISC, read from and written to `flags`.
    public var promiscuous: Bool {
        get { flags & Link.promiscuousFlag != 0 }
        set { flags = newValue ? flags | Link.promiscuousFlag : flags & ~Link.promiscuousFlag }
    }
    /// IFLA_MASTER: the bridge this link is enslaved to.
    public var masterIndex: Int32?
    /// IFLA_LINK: for a veth, the peer's ifindex (in the peer's namespace).
    public var parentIndex: Int32?
    /// IFLA_LINK_NETNSID: set when the peer/parent lives in another namespace.
    public var linkNetnsID: Int32?
    /// Bridge port hairpin mode (IFLA_BRPORT_MODE), when the link is a bridge port.
    public var hairpin: Bool?
    /// Bridge port isolation (IFLA_BRPORT_ISOLATED), when the link is a bridge port.
    public var isolated: Bool?
    /// IFLA_BR_VLAN_FILTERING, when the link is a bridge.
    public var vlanFiltering: Bool?

    public init(
        index: Int32, name: String, kind: String? = nil, mtu: Int = 1500, mac: MACAddress? = nil,
        flags: UInt32 = 0, operState: UInt8 = 0,
        masterIndex: Int32? = nil, parentIndex: Int32? = nil, linkNetnsID: Int32? = nil,
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

    static let upFlag = UInt32(IFF_UP)
    static let promiscuousFlag = UInt32(IFF_PROMISC)

    /// Decodes an RTM_NEWLINK reply; nil when it is malformed.
    init?(message: NetlinkMessage) {
        guard message.type == UInt16(RTM_NEWLINK),
              let index = message.payload.integer(Int32.self, at: 4),
              let flags = message.payload.integer(UInt32.self, at: 8)
        else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<ifinfomsg>.size)
        guard let name = attributes.string(IFLA_IFNAME) else { return nil }
        self.init(index: index, name: name, flags: flags)
        mtu = attributes.u32(IFLA_MTU).map { Int($0) } ?? 0
        mac = attributes[IFLA_ADDRESS].flatMap { MACAddress(bytes: Array($0)) }
        operState = attributes.u8(IFLA_OPERSTATE) ?? 0
        masterIndex = attributes.u32(IFLA_MASTER).map { Int32(bitPattern: $0) }.flatMap { $0 == 0 ? nil : $0 }
        parentIndex = attributes.u32(IFLA_LINK).map { Int32(bitPattern: $0) }
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
