import CMnl
import CNISystem
import CNIValues
import Glibc

extension NetlinkSocket {
    /// The link called `name`, or nil when there is none (ENODEV).
    public func link(named name: String) throws -> Link? {
        let name = try validName(name, "get link \(name)")
        var m = NetlinkRequest(type: Int(RTM_GETLINK))
        m.header(Self.linkHeader(index: 0))
        m.put(IFLA_IFNAME, string: name)
        return try singleLink(m, "get link \(name)")
    }

    /// The link with ifindex `index`, or nil when there is none (ENODEV).
    public func link(index: Int32) throws -> Link? {
        var m = NetlinkRequest(type: Int(RTM_GETLINK))
        m.header(Self.linkHeader(index: index))
        return try singleLink(m, "get link \(index)")
    }

    public func links() throws -> [Link] {
        var m = NetlinkRequest(type: Int(RTM_GETLINK), dump: true)
        m.header(Self.linkHeader(index: 0))
        return try execute(m, "list links").compactMap(Link.init(message:))
    }

    /// Creates a bridge. An existing link of that name fails with EEXIST. `vlanFiltering: true` fails
    /// with EOPNOTSUPP on kernels built without CONFIG_BRIDGE_VLAN_FILTERING.
    public func createBridge(name: String, mtu: Int?, vlanFiltering: Bool) throws {
        let op = "create bridge \(name)"
        var m = NetlinkRequest(type: Int(RTM_NEWLINK), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        m.header(Self.linkHeader(index: 0))
        m.put(IFLA_IFNAME, string: try validName(name, op))
        if let mtu { m.put(IFLA_MTU, u32: try validMTU(mtu, op)) }
        m.nest(IFLA_LINKINFO) { m in
            m.put(IFLA_INFO_KIND, string: "bridge")
            // Only when wanted, as the Go plugin does: kernels without CONFIG_BRIDGE_VLAN_FILTERING
            // reject the attribute (EOPNOTSUPP) even with value 0.
            if vlanFiltering {
                m.nest(IFLA_INFO_DATA) { m in
                    m.put(IFLA_BR_VLAN_FILTERING, u8: 1)
                }
            }
        }
        _ = try execute(m, op)
    }

    /// One request: creates veth `name` in this socket's namespace with its peer `peerName` placed
    /// directly into `peerNamespace` (IFLA_NET_NS_FD inside VETH_INFO_PEER).
    public func createVethPair(
        name: String, mtu: Int?, mac: MACAddress?,
        peerName: String, peerNamespace: NetworkNamespace, peerMTU: Int?, peerMAC: MACAddress?
    ) throws {
        let op = "create veth \(name) with peer \(peerName) in \(peerNamespace.path)"
        let name = try validName(name, op), peerName = try validName(peerName, op)
        let mtuValue = try mtu.map { (v: Int) throws(NetlinkError) -> UInt32 in try validMTU(v, op) }
        let peerMTUValue = try peerMTU.map { (v: Int) throws(NetlinkError) -> UInt32 in try validMTU(v, op) }
        var m = NetlinkRequest(type: Int(RTM_NEWLINK), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        m.header(Self.linkHeader(index: 0))
        m.put(IFLA_IFNAME, string: name)
        m.put(IFLA_TXQLEN, u32: 0)  // veths run without a qdisc queue, as the reference creates them
        if let mtuValue { m.put(IFLA_MTU, u32: mtuValue) }
        if let mac { m.put(IFLA_ADDRESS, bytes: mac.bytes) }
        m.nest(IFLA_LINKINFO) { m in
            m.put(IFLA_INFO_KIND, string: "veth")
            m.nest(IFLA_INFO_DATA) { m in
                m.nest(Int(VETH_INFO_PEER)) { m in
                    m.header(Self.linkHeader(index: 0))
                    m.put(IFLA_IFNAME, string: peerName)
                    m.put(IFLA_TXQLEN, u32: 0)
                    if let peerMTUValue { m.put(IFLA_MTU, u32: peerMTUValue) }
                    if let peerMAC { m.put(IFLA_ADDRESS, bytes: peerMAC.bytes) }
                    m.put(IFLA_NET_NS_FD, u32: UInt32(bitPattern: peerNamespace.fileDescriptor))
                }
            }
        }
        _ = try execute(m, op)
    }

    /// Several link settings in one RTM_SETLINK. `masterIndex: 0` removes the link from its bridge.
    /// The kernel applies name, MTU, MAC and master before the up/promiscuous flags.
    public func setLink(
        index: Int32, up: Bool? = nil, mtu: Int? = nil, mac: MACAddress? = nil,
        masterIndex: Int32? = nil, promiscuous: Bool? = nil, name: String? = nil
    ) throws {
        let op = "set link \(index)"
        var flags: UInt32 = 0, change: UInt32 = 0
        if let up {
            change |= UInt32(IFF_UP)
            if up { flags |= UInt32(IFF_UP) }
        }
        if let promiscuous {
            change |= UInt32(IFF_PROMISC)
            if promiscuous { flags |= UInt32(IFF_PROMISC) }
        }
        var m = NetlinkRequest(type: Int(RTM_SETLINK))
        m.header(Self.linkHeader(index: index, flags: flags, change: change))
        if let name { m.put(IFLA_IFNAME, string: try validName(name, op)) }
        if let mtu { m.put(IFLA_MTU, u32: try validMTU(mtu, op)) }
        if let mac { m.put(IFLA_ADDRESS, bytes: mac.bytes) }
        if let masterIndex { m.put(IFLA_MASTER, u32: UInt32(bitPattern: masterIndex)) }
        _ = try execute(m, op)
    }

    public func setLinkUp(index: Int32) throws { try setLink(index: index, up: true) }
    public func setLinkDown(index: Int32) throws { try setLink(index: index, up: false) }
    public func setMTU(index: Int32, mtu: Int) throws { try setLink(index: index, mtu: mtu) }
    public func setMAC(index: Int32, mac: MACAddress) throws { try setLink(index: index, mac: mac) }
    public func setMaster(index: Int32, masterIndex: Int32) throws { try setLink(index: index, masterIndex: masterIndex) }
    public func setPromiscuous(index: Int32, on: Bool) throws { try setLink(index: index, promiscuous: on) }
    public func setName(index: Int32, name: String) throws { try setLink(index: index, name: name) }

    /// Deletes a link (for a veth, both ends). A missing link fails with ENODEV.
    public func deleteLink(index: Int32) throws {
        var m = NetlinkRequest(type: Int(RTM_DELLINK))
        m.header(Self.linkHeader(index: index))
        _ = try execute(m, "delete link \(index)")
    }

    // MARK: - Internal

    static func linkHeader(index: Int32, family: Int32 = AF_UNSPEC, flags: UInt32 = 0, change: UInt32 = 0) -> ifinfomsg {
        var h = ifinfomsg()
        h.ifi_family = UInt8(truncatingIfNeeded: family)
        h.ifi_index = index
        h.ifi_flags = flags
        h.ifi_change = change
        return h
    }

    private func singleLink(_ m: NetlinkRequest, _ op: String) throws -> Link? {
        let replies: [NetlinkMessage]
        do {
            replies = try execute(m, op)
        } catch {
            if error.errno == .noSuchDevice { return nil }
            throw error
        }
        return replies.compactMap(Link.init(message:)).first
    }
}
