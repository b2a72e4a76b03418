import CMnl
import CNIValues
import Glibc

extension NetlinkSocket {
    /// Routes of one table (main unless given), optionally of one family. Cache clones are skipped.
    package func routes(family: IPAddress.Family?, table: UInt32 = KernelRoute.mainTable) throws -> [KernelRoute] {
        var m = NetlinkRequest(type: Int(RTM_GETROUTE), dump: true)
        var h = rtmsg()
        h.rtm_family = Self.addressFamily(family)
        m.header(h)
        return try execute(m, "list routes").compactMap(KernelRoute.init(message:)).filter { r in
            r.table == table && !r.isCloned && (family == nil || r.destination.family == family)
        }
    }

    /// The kernel's answer to "how is `address` reached" (a non-dump RTM_GETROUTE with RTA_DST, as
    /// `ip route get`): policy routing and every table included. nil when it is unreachable.
    package func route(to address: IPAddress) throws -> KernelRoute? {
        var m = NetlinkRequest(type: Int(RTM_GETROUTE))
        var h = rtmsg()
        h.rtm_family = Self.addressFamily(address.family)
        h.rtm_dst_len = UInt8(truncatingIfNeeded: address.bitWidth)
        m.header(h)
        try m.put(Int(RTA_DST.rawValue), bytes: address.bytes)
        let outcome: Result<[NetlinkMessage], NetlinkError> = Result { () throws(NetlinkError) in
            try execute(m, "get route to \(address)")
        }
        switch outcome {
        case .success(let messages):
            return messages.compactMap(KernelRoute.init(message:)).first
        case .failure(let error):
            if error.errno == .networkUnreachable || error.errno == .hostUnreachable { return nil }
            throw error
        }
    }

    /// Adds `route` (NLM_F_CREATE | NLM_F_EXCL, so an existing one fails with EEXIST), or with
    /// `replace` creates or replaces it (NLM_F_REPLACE).
    package func addRoute(_ route: KernelRoute, replace: Bool = false) throws {
        let flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL)
        var m = NetlinkRequest(type: Int(RTM_NEWROUTE), flags: Int32(flags))
        m.header(Self.routeHeader(route, scope: route.scope, protocol: route.protocol, type: route.type))
        try Self.putRouteAttributes(route, into: &m)
        if let prefsrc = route.preferredSource { try m.put(Int(RTA_PREFSRC.rawValue), bytes: prefsrc.bytes) }
        if route.mtu != nil || route.advmss != nil {
            try m.nest(Int(RTA_METRICS.rawValue)) { m throws(NetlinkError) in
                if let mtu = route.mtu { try m.put(RTAX_MTU, u32: mtu) }
                if let advmss = route.advmss { try m.put(RTAX_ADVMSS, u32: advmss) }
            }
        }
        _ = try execute(m, "\(replace ? "replace" : "add") route \(route)")
    }

    /// Deletes the route matching destination, table, and (when set) gateway, output link and
    /// metric, whatever its scope and protocol. A missing route fails with ESRCH.
    package func deleteRoute(_ route: KernelRoute) throws {
        var m = NetlinkRequest(type: Int(RTM_DELROUTE))
        m.header(Self.routeHeader(route, scope: .nowhere, protocol: .unspecified, type: .unspecified))
        try Self.putRouteAttributes(route, into: &m)
        _ = try execute(m, "delete route \(route)")
    }

    // MARK: - Private

    private static func routeHeader(
        _ route: KernelRoute, scope: KernelRoute.Scope, protocol proto: KernelRoute.`Protocol`, type: KernelRoute.Kind
    ) -> rtmsg {
        var h = rtmsg()
        h.rtm_family = addressFamily(route.destination.family)
        h.rtm_dst_len = UInt8(truncatingIfNeeded: route.destination.prefixLength)  // 0...128 by IPNetwork
        // Tables past 255 travel only in RTA_TABLE.
        h.rtm_table = route.table < 256 ? UInt8(truncatingIfNeeded: route.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        h.rtm_protocol = proto.rawValue
        h.rtm_scope = scope.rawValue
        h.rtm_type = type.rawValue
        h.rtm_flags = route.onLink ? UInt32(RTNH_F_ONLINK) : 0
        return h
    }

    private static func putRouteAttributes(_ route: KernelRoute, into m: inout NetlinkRequest) throws(NetlinkError) {
        if route.destination.prefixLength > 0 {
            try m.put(Int(RTA_DST.rawValue), bytes: route.destination.networkAddress.bytes)
        }
        if let gateway = route.gateway { try m.put(Int(RTA_GATEWAY.rawValue), bytes: gateway.bytes) }
        if let oif = route.outputIndex { try m.put(Int(RTA_OIF.rawValue), u32: oif.bitPattern) }
        if let priority = route.priority { try m.put(Int(RTA_PRIORITY.rawValue), u32: priority) }
        try m.put(Int(RTA_TABLE.rawValue), u32: route.table)
    }
}
