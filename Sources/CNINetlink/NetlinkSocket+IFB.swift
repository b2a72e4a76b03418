import CMnl

extension NetlinkSocket {
    /// Creates an ifb link `name` with `mtu` and a zero transmit queue length (what the reference
    /// bandwidth plugin creates), up unless `up` is false (a qdisc put on a link that is down is
    /// grafted without waiting for in-flight packets). EOPNOTSUPP when the kernel has no ifb support.
    package func createIFB(name: String, mtu: Int, up: Bool = true) throws {
        let op = "create ifb \(name)"
        var m = NetlinkRequest(type: Int(RTM_NEWLINK), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        m.header(Self.linkHeader(index: 0, flags: up ? Link.upFlag : 0, change: up ? Link.upFlag : 0))
        try m.put(IFLA_IFNAME, string: try validName(name, op))
        try m.put(IFLA_MTU, u32: try validMTU(mtu, op))
        try m.put(IFLA_TXQLEN, u32: 0)
        try m.nest(IFLA_LINKINFO) { m throws(NetlinkError) in
            try m.put(IFLA_INFO_KIND, string: "ifb")
        }
        _ = try execute(m, op)
    }
}
