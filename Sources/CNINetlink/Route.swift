import CMnl
import CNIValues

/// A route, as RTM_NEWROUTE describes it.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// 0.0.0.0/0 or ::/0 for a default route.
    public var destination: IPNetwork
    public var gateway: IPAddress?
    public var outputIndex: Int32?
    /// RT_SCOPE_* (0 universe; the kernel reports 253 link for routes without a gateway).
    public var scope: UInt8
    public var table: UInt32
    /// RTPROT_* (3 boot: what `ip route add` and Go's netlink use; 2 kernel for connected routes).
    public var `protocol`: UInt8
    /// The metric.
    public var priority: UInt32?
    public var mtu: UInt32?
    public var advmss: UInt32?
    /// RTNH_F_ONLINK: the gateway is reachable on the link even outside its subnets.
    public var onLink: Bool
    public var preferredSource: IPAddress?
    /// RTN_* (1 unicast).
    public var type: UInt8

    public static let mainTable = UInt32(RT_TABLE_MAIN.rawValue)
    public static let scopeUniverse = UInt8(RT_SCOPE_UNIVERSE.rawValue)
    public static let scopeLink = UInt8(RT_SCOPE_LINK.rawValue)
    public static let scopeHost = UInt8(RT_SCOPE_HOST.rawValue)
    public static let protocolBoot = UInt8(RTPROT_BOOT)
    public static let protocolKernel = UInt8(RTPROT_KERNEL)
    public static let typeUnicast = UInt8(RTN_UNICAST)

    public init(
        destination: IPNetwork, gateway: IPAddress? = nil, outputIndex: Int32? = nil,
        scope: UInt8 = Route.scopeUniverse, table: UInt32 = Route.mainTable, protocol: UInt8 = Route.protocolBoot,
        priority: UInt32? = nil, mtu: UInt32? = nil, advmss: UInt32? = nil, onLink: Bool = false,
        preferredSource: IPAddress? = nil, type: UInt8 = Route.typeUnicast
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

    public var description: String {
        var s = "\(destination)"
        if let gateway { s += " via \(gateway)" }
        if let outputIndex { s += " dev \(outputIndex)" }
        if table != Route.mainTable { s += " table \(table)" }
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
                  outputIndex: a.u32(Int(RTA_OIF.rawValue)).map { Int32(bitPattern: $0) },
                  scope: scope, table: a.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(shortTable), protocol: proto,
                  priority: a.u32(Int(RTA_PRIORITY.rawValue)), onLink: flags & UInt32(RTNH_F_ONLINK) != 0,
                  preferredSource: address(RTA_PREFSRC), type: type)
        if let metrics = a.nested(Int(RTA_METRICS.rawValue)) {
            mtu = metrics.u32(RTAX_MTU)
            advmss = metrics.u32(RTAX_ADVMSS)
        }
        isCloned = flags & UInt32(RTM_F_CLONED) != 0
    }

    /// RTM_F_CLONED: a cache entry, not a configured route (dumps skip these).
    var isCloned = false
}
