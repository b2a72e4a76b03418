import CMnl
import Glibc

/// Traffic control over rtnetlink (what `tc qdisc` / `tc filter` send): the root token bucket,
/// the ingress hook, and the u32 match-all filter that redirects a link's incoming traffic to an ifb.
extension NetlinkSocket {
    /// How an existing object of the same handle is treated by a create request.
    package enum Creation: Sendable {
        /// NLM_F_CREATE | NLM_F_EXCL: an existing one fails with EEXIST.
        case exclusive
        /// NLM_F_CREATE | NLM_F_REPLACE: an existing one is replaced.
        case replacing

        var flags: Int32 {
            switch self {
            case .exclusive: return Int32(NLM_F_CREATE | NLM_F_EXCL)
            case .replacing: return Int32(NLM_F_CREATE | NLM_F_REPLACE)
            }
        }
    }

    /// A root `tbf` with handle 1: on `interface`: TCA_TBF_PARMS (rate, limit, buffer; no peak
    /// rate, no MTU, linklayer unspecified) and TCA_TBF_RATE64 when the rate needs 64 bits.
    package func addTokenBucket(_ bucket: TokenBucket, on interface: InterfaceIndex, _ creation: Creation = .exclusive) throws {
        let op = "create tbf qdisc on link \(interface)"
        var m = NetlinkRequest(type: Int(RTM_NEWQDISC), flags: creation.flags)
        m.header(TrafficControlHeader.encoded(interface: interface, handle: .firstRoot, parent: .root))
        try m.put(TCA_KIND, string: "tbf")
        try m.nest(TCA_OPTIONS) { m throws(NetlinkError) in
            var parms = tc_tbf_qopt()
            parms.rate.rate = UInt32(truncatingIfNeeded: bucket.rate)
            parms.limit = bucket.limit
            parms.buffer = bucket.buffer
            try m.put(TCA_TBF_PARMS, struct: parms)
            if bucket.rate > UInt64(UInt32.max) { try m.put(TCA_TBF_RATE64, u64: bucket.rate) }
        }
        _ = try execute(m, op)
    }

    /// An `ingress` qdisc (handle ffff:) on `interface`. EEXIST when an ingress or clsact qdisc is there.
    package func addIngressQdisc(on interface: InterfaceIndex) throws {
        var m = NetlinkRequest(type: Int(RTM_NEWQDISC), flags: Creation.exclusive.flags)
        m.header(TrafficControlHeader.encoded(interface: interface, handle: .ingressQdisc, parent: .ingressParent))
        try m.put(TCA_KIND, string: "ingress")
        _ = try execute(m, "create ingress qdisc on link \(interface)")
    }

    /// Deletes the qdisc with `handle` under `parent`. ENOENT / EINVAL when there is none.
    package func deleteQdisc(on interface: InterfaceIndex, handle: TCHandle, parent: TCHandle) throws {
        var m = NetlinkRequest(type: Int(RTM_DELQDISC))
        m.header(TrafficControlHeader.encoded(interface: interface, handle: handle, parent: parent))
        _ = try execute(m, "delete qdisc \(handle) of link \(interface)")
    }

    /// The qdiscs of `interface` (a dump of all, kept to that link).
    package func qdiscs(on interface: InterfaceIndex) throws -> [Qdisc] {
        try qdiscs().filter { $0.interface == interface }
    }

    /// The qdiscs of every link of this namespace.
    package func qdiscs() throws -> [Qdisc] {
        var m = NetlinkRequest(type: Int(RTM_GETQDISC), dump: true)
        m.header(TrafficControlHeader.encoded(interface: InterfaceIndex(0), handle: .unspecified, parent: .unspecified))
        return try execute(m, "list qdiscs").compactMap(Qdisc.init(message:))
    }

    /// Where filters on the incoming traffic of `interface` hang: ffff: of an `ingress` qdisc, or
    /// the ingress hook ffff:fff2 of a `clsact`; nil when there is neither. `qdiscs`: a dump
    /// already at hand.
    package func ingressHook(on interface: InterfaceIndex, qdiscs known: [Qdisc]? = nil) throws -> TCHandle? {
        let all = try known ?? qdiscs(on: interface)
        guard let hook = all.first(where: { $0.interface == interface && $0.isIngressHook }) else { return nil }
        return hook.kind == "clsact" ? .clsactIngress : .ingressQdisc
    }

    /// A u32 filter under `parent` (an ingress qdisc or a clsact's ingress hook) that matches every
    /// packet of any protocol (one all-zero key, terminal), class id 1:1, with ONE mirred action:
    /// redirect to the egress of `target`, verdict stolen.
    package func addRedirectFilter(on interface: InterfaceIndex, parent: TCHandle, priority: UInt16, target: InterfaceIndex) throws {
        let op = "create redirect filter on link \(interface) to link \(target)"
        var m = NetlinkRequest(type: Int(RTM_NEWTFILTER), flags: Creation.exclusive.flags)
        m.header(TrafficControlHeader.encoded(interface: interface, handle: .unspecified, parent: parent,
                                              info: TrafficFilter.info(priority: priority, protocolNumber: Self.allProtocols)))
        try m.put(TCA_KIND, string: "u32")
        try m.nest(TCA_OPTIONS) { m throws(NetlinkError) in
            try m.put(TCA_U32_SEL, bytes: Self.matchAllSelector)
            try m.put(TCA_U32_CLASSID, u32: TCHandle.firstClass.rawValue)
            try m.nest(TCA_U32_ACT) { m throws(NetlinkError) in
                try m.nest(1) { m throws(NetlinkError) in  // the first action (TCA_ACT_TAB order 1)
                    try m.put(TCA_ACT_KIND, string: "mirred")
                    try m.nest(TCA_ACT_OPTIONS) { m throws(NetlinkError) in
                        var parms = tc_mirred()
                        parms.action = TC_ACT_STOLEN
                        parms.eaction = TCA_EGRESS_REDIR
                        parms.ifindex = UInt32(bitPattern: target.rawValue)
                        try m.put(TCA_MIRRED_PARMS, struct: parms)
                    }
                }
            }
        }
        _ = try execute(m, op)
    }

    /// The filters hung under `parent` of `interface` (empty when that qdisc does not exist).
    package func filters(on interface: InterfaceIndex, parent: TCHandle) throws -> [TrafficFilter] {
        var m = NetlinkRequest(type: Int(RTM_GETTFILTER), dump: true)
        m.header(TrafficControlHeader.encoded(interface: interface, handle: .unspecified, parent: parent))
        do {
            return try execute(m, "list filters of link \(interface) under \(parent)").compactMap(TrafficFilter.init(message:))
        } catch {
            if error.errno == .invalidArgument || error.errno == .noSuchFileOrDirectory { return [] }
            throw error
        }
    }

    /// Deletes every `kind` filter of one priority (any handle, protocol all) under `parent`.
    package func deleteFilters(on interface: InterfaceIndex, parent: TCHandle, priority: UInt16, kind: String = "u32") throws {
        var m = NetlinkRequest(type: Int(RTM_DELTFILTER))
        m.header(TrafficControlHeader.encoded(interface: interface, handle: .unspecified, parent: parent,
                                              info: TrafficFilter.info(priority: priority, protocolNumber: Self.allProtocols)))
        try m.put(TCA_KIND, string: kind)
        _ = try execute(m, "delete filter priority \(priority) of link \(interface)")
    }

    /// ETH_P_ALL, host order.
    package static let allProtocols = UInt16(truncatingIfNeeded: ETH_P_ALL)

    /// tc_u32_sel {flags TERMINAL, nkeys 1} followed by one all-zero tc_u32_key: matches everything.
    static var matchAllSelector: [UInt8] {
        var selector = tc_u32_sel()
        selector.flags = UInt8(TC_U32_TERMINAL)
        selector.nkeys = 1
        let head = withUnsafeBytes(of: selector) { Array($0.prefix(Int(cmnl_tc_u32_sel_size()))) }
        return head + withUnsafeBytes(of: tc_u32_key()) { Array($0) }
    }

}
