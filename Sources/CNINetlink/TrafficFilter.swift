import CMnl

/// A classifier as RTM_NEWTFILTER describes it (a dump entry). Only what the bandwidth plugin and
/// cni-inspect ask about is decoded: kind, priority, protocol, the u32 class id and its mirred
/// redirect targets.
package struct TrafficFilter: Hashable, Sendable {
    package var interface: InterfaceIndex
    package var parent: TCHandle
    package var handle: TCHandle
    package var priority: UInt16
    /// The protocol in host order (`ETH_P_ALL` = 3).
    package var protocolNumber: UInt16
    package var kind: String
    /// TCA_U32_CLASSID
    package var classID: TCHandle?
    /// The ifindexes of the mirred actions that redirect to a device's egress, in action order.
    package var redirectTargets: [InterfaceIndex]
    /// A u32 key node with one all-zero key (match everything), TC_U32_TERMINAL set.
    package var matchesAll: Bool

    package init(interface: InterfaceIndex, parent: TCHandle, handle: TCHandle, priority: UInt16, protocolNumber: UInt16,
                 kind: String, classID: TCHandle? = nil, redirectTargets: [InterfaceIndex] = [], matchesAll: Bool = false) {
        self.interface = interface
        self.parent = parent
        self.handle = handle
        self.priority = priority
        self.protocolNumber = protocolNumber
        self.kind = kind
        self.classID = classID
        self.redirectTargets = redirectTargets
        self.matchesAll = matchesAll
    }

    /// `tcm_info` of a filter request: priority in the upper 16 bits, the protocol (network order) below.
    static func info(priority: UInt16, protocolNumber: UInt16) -> UInt32 {
        UInt32(priority) << 16 | UInt32(protocolNumber.bigEndian)
    }

    /// Decodes an RTM_NEWTFILTER reply; nil when it is malformed.
    init?(message: NetlinkMessage) {
        guard message.type == UInt16(RTM_NEWTFILTER), let header = TrafficControlHeader(message.payload) else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<tcmsg>.size)
        guard let kind = attributes.string(TCA_KIND) else { return nil }
        self.init(interface: header.interface, parent: header.parent, handle: header.handle,
                  priority: UInt16(truncatingIfNeeded: header.info >> 16),
                  protocolNumber: UInt16(bigEndian: UInt16(truncatingIfNeeded: header.info)), kind: kind)
        guard kind == "u32", let options = attributes.nested(TCA_OPTIONS) else { return }
        classID = options.u32(Int(TCA_U32_CLASSID)).map(TCHandle.init(rawValue:))
        if let selector = options[Int(TCA_U32_SEL)] { matchesAll = Self.selectsAll(selector) }
        if let actions = options.nested(Int(TCA_U32_ACT)) {
            redirectTargets = actions.compactMap { Self.redirectTarget(NetlinkAttributes($0.value)) }
        }
    }

    /// tc_u32_sel: flags, offshift, nkeys, pad, offmask, off, offoff, hoff, hmask, then the keys
    /// (mask, val, off, offmask: 16 bytes each).
    private static func selectsAll(_ selector: ArraySlice<UInt8>) -> Bool {
        let size = Int(cmnl_tc_u32_sel_size())
        guard let flags = selector.integer(UInt8.self, at: 0), let keys = selector.integer(UInt8.self, at: 2),
              flags & UInt8(TC_U32_TERMINAL) != 0, keys == 1,
              let mask = selector.integer(UInt32.self, at: size), let value = selector.integer(UInt32.self, at: size + 4)
        else { return false }
        return mask == 0 && value == 0
    }

    /// One action of TCA_U32_ACT: the ifindex when it is a mirred egress redirect.
    private static func redirectTarget(_ action: NetlinkAttributes) -> InterfaceIndex? {
        guard action.string(Int(TCA_ACT_KIND)) == "mirred",
              let parms = action.nested(Int(TCA_ACT_OPTIONS))?[Int(TCA_MIRRED_PARMS)],
              let eaction = parms.integer(Int32.self, at: MirredLayout.eactionOffset),
              let index = parms.integer(UInt32.self, at: MirredLayout.ifindexOffset),
              eaction == TCA_EGRESS_REDIR
        else { return nil }
        return InterfaceIndex(Int32(bitPattern: index))
    }
}

/// Offsets in struct tc_mirred (tc_gen's five 32-bit fields, then eaction and ifindex).
enum MirredLayout {
    static let eactionOffset = MemoryLayout<tc_mirred>.offset(of: \tc_mirred.eaction) ?? 20
    static let ifindexOffset = MemoryLayout<tc_mirred>.offset(of: \tc_mirred.ifindex) ?? 24
}
