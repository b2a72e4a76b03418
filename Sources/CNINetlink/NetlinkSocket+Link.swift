import CMnl
import CNISystem
import CNIValues
import Glibc

extension NetlinkSocket {
    /// The link called `name`, or nil when there is none (ENODEV).
    package func link(named name: String) throws -> Link? {
        let name = try validName(name, "get link \(name)")
        var m = NetlinkRequest(type: Int(RTM_GETLINK))
        m.header(Self.linkHeader(index: .unspecified))
        try m.put(IFLA_IFNAME, string: name)
        return try singleLink(m, "get link \(name)")
    }

    /// The link with ifindex `index`, or nil when there is none (ENODEV).
    package func link(index: InterfaceIndex) throws -> Link? {
        var m = NetlinkRequest(type: Int(RTM_GETLINK))
        m.header(Self.linkHeader(index: index))
        return try singleLink(m, "get link \(index)")
    }

    package func links() throws -> [Link] {
        var m = NetlinkRequest(type: Int(RTM_GETLINK), dump: true)
        m.header(Self.linkHeader(index: .unspecified))
        return try execute(m, "list links").compactMap(Link.init(message:))
    }

    /// Creates a bridge. An existing link of that name fails with EEXIST. `vlanFiltering: true` fails
    /// with EOPNOTSUPP on kernels built without CONFIG_BRIDGE_VLAN_FILTERING.
    package func createBridge(name: String, mtu: Int?, vlanFiltering: Bool) throws {
        let op = "create bridge \(name)"
        var m = NetlinkRequest(type: Int(RTM_NEWLINK), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        m.header(Self.linkHeader(index: .unspecified))
        try m.put(IFLA_IFNAME, string: try validName(name, op))
        if let mtu { try m.put(IFLA_MTU, u32: try validMTU(mtu, op)) }
        try m.nest(IFLA_LINKINFO) { m throws(NetlinkError) in
            try m.put(IFLA_INFO_KIND, string: "bridge")
            // Only when wanted, as the Go plugin does: kernels without CONFIG_BRIDGE_VLAN_FILTERING
            // reject the attribute (EOPNOTSUPP) even with value 0.
            if vlanFiltering {
                try m.nest(IFLA_INFO_DATA) { m throws(NetlinkError) in
                    try m.put(IFLA_BR_VLAN_FILTERING, u8: 1)
                }
            }
        }
        _ = try execute(m, op)
    }

    /// One request: creates veth `host` in this socket's namespace with its peer `peer`, which is
    /// placed directly into `peer.namespace` (IFLA_NET_NS_FD inside VETH_INFO_PEER). Both ends
    /// need a name; master and flags are not part of a creation (EINVAL).
    package func createVethPair(_ host: LinkAttributes, peer: LinkAttributes) throws {
        let op = "create veth \(host.name ?? "") with peer \(peer.name ?? "")" + (peer.namespace.map { " in \($0.path)" } ?? "")
        for end in [host, peer] {
            guard end.name != nil else {
                throw NetlinkError(errno: .invalidArgument, operation: op, kernelMessage: "a veth end needs a name")
            }
            guard end.masterIndex == nil, end.isUp == nil, end.promiscuous == nil else {
                throw NetlinkError(errno: .invalidArgument, operation: op, kernelMessage: "set master and flags after creating the veth")
            }
        }
        var m = NetlinkRequest(type: Int(RTM_NEWLINK), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        m.header(Self.linkHeader(index: .unspecified))
        try putAttributes(host, into: &m, op)
        try m.nest(IFLA_LINKINFO) { m throws(NetlinkError) in
            try m.put(IFLA_INFO_KIND, string: "veth")
            try m.nest(IFLA_INFO_DATA) { m throws(NetlinkError) in
                try m.nest(Int(VETH_INFO_PEER)) { m throws(NetlinkError) in
                    m.header(Self.linkHeader(index: .unspecified))
                    try putAttributes(peer, into: &m, op)
                }
            }
        }
        _ = try execute(m, op)
    }

    /// Several link settings in one RTM_SETLINK (see `LinkAttributes`). The kernel applies name,
    /// MTU, MAC and master before the up/promiscuous flags.
    package func setLink(index: InterfaceIndex, _ attributes: LinkAttributes) throws {
        let op = "set link \(index)"
        let (flags, change) = attributes.flagChange
        var m = NetlinkRequest(type: Int(RTM_SETLINK))
        m.header(Self.linkHeader(index: index, flags: flags, change: change))
        try putAttributes(attributes, into: &m, op)
        _ = try execute(m, op)
    }

    package func setLinkUp(index: InterfaceIndex) throws { try setLink(index: index, LinkAttributes(isUp: true)) }
    package func setLinkDown(index: InterfaceIndex) throws { try setLink(index: index, LinkAttributes(isUp: false)) }
    package func setMTU(index: InterfaceIndex, mtu: Int) throws { try setLink(index: index, LinkAttributes(mtu: mtu)) }
    package func setMAC(index: InterfaceIndex, mac: MACAddress) throws { try setLink(index: index, LinkAttributes(mac: mac)) }
    package func setMaster(index: InterfaceIndex, masterIndex: InterfaceIndex) throws {
        try setLink(index: index, LinkAttributes(masterIndex: masterIndex))
    }
    package func setPromiscuous(index: InterfaceIndex, on: Bool) throws { try setLink(index: index, LinkAttributes(promiscuous: on)) }
    package func setName(index: InterfaceIndex, name: String) throws { try setLink(index: index, LinkAttributes(name: name)) }

    /// Deletes a link (for a veth, both ends). A missing link fails with ENODEV.
    package func deleteLink(index: InterfaceIndex) throws {
        var m = NetlinkRequest(type: Int(RTM_DELLINK))
        m.header(Self.linkHeader(index: index))
        _ = try execute(m, "delete link \(index)")
    }

    // MARK: - Internal

    static func linkHeader(
        index: InterfaceIndex, family: Int32 = AF_UNSPEC, flags: Link.Flags = [], change: Link.Flags = []
    ) -> ifinfomsg {
        var h = ifinfomsg()
        h.ifi_family = UInt8(truncatingIfNeeded: family)
        h.ifi_index = index.rawValue
        h.ifi_flags = flags.rawValue
        h.ifi_change = change.rawValue
        return h
    }

    /// The IFLA_* attributes of `a`, always in this order (the encoding tests pin the bytes):
    /// name, queue length, MTU, address, master, namespace.
    private func putAttributes(_ a: LinkAttributes, into m: inout NetlinkRequest, _ op: String) throws(NetlinkError) {
        if let name = a.name { try m.put(IFLA_IFNAME, string: try validName(name, op)) }
        if let length = a.txQueueLength {
            guard let value = UInt32(exactly: length) else {
                throw NetlinkError(errno: .invalidArgument, operation: op, kernelMessage: "invalid queue length \(length)")
            }
            try m.put(IFLA_TXQLEN, u32: value)
        }
        if let mtu = a.mtu { try m.put(IFLA_MTU, u32: try validMTU(mtu, op)) }
        if let mac = a.mac { try m.put(IFLA_ADDRESS, bytes: mac.bytes) }
        if let master = a.masterIndex { try m.put(IFLA_MASTER, u32: master.bitPattern) }
        if let namespace = a.namespace { try m.put(IFLA_NET_NS_FD, u32: UInt32(bitPattern: namespace.fileDescriptor)) }
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
