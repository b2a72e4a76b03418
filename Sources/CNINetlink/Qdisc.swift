import CMnl

/// A queueing discipline as RTM_NEWQDISC describes it (a dump entry).
package struct Qdisc: Hashable, Sendable {
    package var interface: InterfaceIndex
    package var handle: TCHandle
    package var parent: TCHandle
    /// TCA_KIND: "tbf", "ingress", "clsact", "noqueue", ...
    package var kind: String
    /// The shaping values, when `kind` is "tbf".
    package var tokenBucket: TokenBucket?

    package init(interface: InterfaceIndex, handle: TCHandle, parent: TCHandle, kind: String, tokenBucket: TokenBucket? = nil) {
        self.interface = interface
        self.handle = handle
        self.parent = parent
        self.kind = kind
        self.tokenBucket = tokenBucket
    }

    /// The root qdisc (parent TC_H_ROOT).
    package var isRoot: Bool { parent == .root }
    /// An `ingress` or `clsact` qdisc: filters on it see the link's incoming traffic.
    package var isIngressHook: Bool { parent == .ingressParent && (kind == "ingress" || kind == "clsact") }

    /// Decodes an RTM_NEWQDISC reply; nil when it is malformed.
    init?(message: NetlinkMessage) {
        guard message.type == UInt16(RTM_NEWQDISC), let header = TrafficControlHeader(message.payload) else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<tcmsg>.size)
        guard let kind = attributes.string(TCA_KIND) else { return nil }
        self.init(interface: header.interface, handle: header.handle, parent: header.parent, kind: kind)
        if kind == "tbf", let options = attributes.nested(TCA_OPTIONS) {
            tokenBucket = Self.tokenBucket(options)
        }
    }

    /// tc_tbf_qopt: rate (tc_ratespec, 12 bytes), peakrate (12), limit, buffer, mtu. A rate of
    /// 2^32 bytes/s or more is in TCA_TBF_RATE64.
    private static func tokenBucket(_ options: NetlinkAttributes) -> TokenBucket? {
        guard let parms = options[Int(TCA_TBF_PARMS)],
              let rate32 = parms.integer(UInt32.self, at: 8),
              let limit = parms.integer(UInt32.self, at: 24),
              let buffer = parms.integer(UInt32.self, at: 28)
        else { return nil }
        let rate64 = options[Int(TCA_TBF_RATE64)]?.integer(UInt64.self, at: 0)
        return TokenBucket(rate: rate64 ?? UInt64(rate32), limit: limit, buffer: buffer)
    }
}

/// The `tcmsg` at the start of every qdisc and filter message.
struct TrafficControlHeader {
    var interface: InterfaceIndex
    var handle: TCHandle
    var parent: TCHandle
    var info: UInt32

    init?(_ payload: ArraySlice<UInt8>) {
        guard let index = payload.integer(Int32.self, at: 4),
              let handle = payload.integer(UInt32.self, at: 8),
              let parent = payload.integer(UInt32.self, at: 12),
              let info = payload.integer(UInt32.self, at: 16)
        else { return nil }
        self.interface = InterfaceIndex(index)
        self.handle = TCHandle(rawValue: handle)
        self.parent = TCHandle(rawValue: parent)
        self.info = info
    }

    static func encoded(interface: InterfaceIndex, handle: TCHandle, parent: TCHandle, info: UInt32 = 0) -> tcmsg {
        var h = tcmsg()
        h.tcm_family = UInt8(truncatingIfNeeded: AF_UNSPEC)
        h.tcm_ifindex = interface.rawValue
        h.tcm_handle = handle.rawValue
        h.tcm_parent = parent.rawValue
        h.tcm_info = info
        return h
    }
}
