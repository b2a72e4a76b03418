import CMnl
import CNIValues

/// A route in a kernel routing table, as RTM_NEWROUTE describes it (named apart from
/// `CNIResult.Route`, the route a plugin reports in its result).
package struct KernelRoute: Sendable, Hashable, CustomStringConvertible {
    /// 0.0.0.0/0 or ::/0 for a default route.
    package var destination: IPNetwork
    package var gateway: IPAddress?
    package var outputIndex: InterfaceIndex?
    /// `rtm_scope` (universe by default; the kernel reports link for routes without a gateway).
    package var scope: Scope
    package var table: UInt32
    /// `rtm_protocol` (boot by default: what `ip route add` and Go's netlink use; kernel for
    /// connected routes).
    package var `protocol`: `Protocol`
    /// The metric.
    package var priority: UInt32?
    package var mtu: UInt32?
    package var advmss: UInt32?
    /// RTNH_F_ONLINK: the gateway is reachable on the link even outside its subnets.
    package var onLink: Bool
    package var preferredSource: IPAddress?
    /// `rtm_type` (unicast by default).
    package var type: Kind

    package static let mainTable = UInt32(RT_TABLE_MAIN.rawValue)

    package init(
        destination: IPNetwork, gateway: IPAddress? = nil, outputIndex: InterfaceIndex? = nil,
        scope: Scope = .universe, table: UInt32 = KernelRoute.mainTable, protocol: `Protocol` = .boot,
        priority: UInt32? = nil, mtu: UInt32? = nil, advmss: UInt32? = nil, onLink: Bool = false,
        preferredSource: IPAddress? = nil, type: Kind = .unicast
    ) {
        self.destination = destination
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.scope = scope
        self.table = table
        self.protocol = `protocol`
        self.priority = priority
        self.mtu = mtu
        self.advmss = advmss
        self.onLink = onLink
        self.preferredSource = preferredSource
        self.type = type
    }

    package var description: String {
        var s = "\(destination)"
        if let gateway { s += " via \(gateway)" }
        if let outputIndex { s += " dev \(outputIndex)" }
        if table != KernelRoute.mainTable { s += " table \(table)" }
        return s
    }

    /// Decodes an RTM_NEWROUTE reply; nil when it is malformed or not IPv4/IPv6.
    init?(message: NetlinkMessage) {
        let p = message.payload
        guard message.type == UInt16(RTM_NEWROUTE),
              let family = p.integer(UInt8.self, at: 0), let dstLength = p.integer(UInt8.self, at: 1),
              let shortTable = p.integer(UInt8.self, at: 4), let proto = p.integer(UInt8.self, at: 5),
              let scope = p.integer(UInt8.self, at: 6), let type = p.integer(UInt8.self, at: 7),
              let flags = p.integer(UInt32.self, at: 8)
        else { return nil }
        let zero: IPAddress
        switch Int32(family) {
        case AF_INET: zero = .v4(0)
        case AF_INET6: zero = .v6(0)
        default: return nil
        }
        let a = message.attributes(afterHeader: MemoryLayout<rtmsg>.size)
        let address = { (t: rtattr_type_t) in a[Int(t.rawValue)].flatMap { IPAddress(bytes: Array($0)) } }
        guard let destination = IPNetwork(address: address(RTA_DST) ?? zero, prefixLength: Int(dstLength)) else { return nil }
        self.init(destination: destination, gateway: address(RTA_GATEWAY),
                  outputIndex: a.u32(Int(RTA_OIF.rawValue)).map(InterfaceIndex.init(bitPattern:)),
                  scope: Scope(rawValue: scope), table: a.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(shortTable),
                  protocol: `Protocol`(rawValue: proto),
                  priority: a.u32(Int(RTA_PRIORITY.rawValue)), onLink: flags & UInt32(RTNH_F_ONLINK) != 0,
                  preferredSource: address(RTA_PREFSRC), type: Kind(rawValue: type))
        if let metrics = a.nested(Int(RTA_METRICS.rawValue)) {
            mtu = metrics.u32(RTAX_MTU)
            advmss = metrics.u32(RTAX_ADVMSS)
        }
        isCloned = flags & UInt32(RTM_F_CLONED) != 0
    }

    /// RTM_F_CLONED: a cache entry, not a configured route (dumps skip these).
    var isCloned = false
}
