import CMnl
import CNIValues
import Glibc

extension NetlinkSocket {
    /// Addresses, optionally only those of one link and/or one family.
    package func addresses(index: InterfaceIndex? = nil, family: IPAddress.Family? = nil) throws -> [InterfaceAddress] {
        var m = NetlinkRequest(type: Int(RTM_GETADDR), dump: true)
        var h = ifaddrmsg()
        h.ifa_family = Self.addressFamily(family)
        h.ifa_index = (index ?? .unspecified).bitPattern
        m.header(h)
        let all = try execute(m, "list addresses").compactMap(InterfaceAddress.init(message:))
        return all.filter { a in
            (index == nil || a.index == index) && (family == nil || a.network.family == family)
        }
    }

    /// Adds `address` (IFA_LOCAL + IFA_ADDRESS; IPv4 also IFA_BROADCAST) with universe scope.
    /// An address already present fails with EEXIST. `noDAD` skips IPv6 duplicate address detection.
    package func addAddress(index: InterfaceIndex, _ address: IPNetwork, noDAD: Bool = false) throws {
        var m = NetlinkRequest(type: Int(RTM_NEWADDR), flags: Int32(NLM_F_CREATE | NLM_F_EXCL))
        var flags: UInt32 = 0
        if noDAD { flags |= UInt32(IFA_F_NODAD) }
        m.header(Self.addressHeader(index: index, address, flags: flags))
        try m.put(IFA_LOCAL, bytes: address.address.bytes)
        try m.put(IFA_ADDRESS, bytes: address.address.bytes)
        if address.family == .v4, address.prefixLength < 31 {
            try m.put(IFA_BROADCAST, bytes: address.lastAddress.bytes)
        }
        if flags != 0 { try m.put(IFA_FLAGS, u32: flags) }
        _ = try execute(m, "add address \(address) to link \(index)")
    }

    /// Removes `address`. A missing address fails with EADDRNOTAVAIL.
    package func deleteAddress(index: InterfaceIndex, _ address: IPNetwork) throws {
        var m = NetlinkRequest(type: Int(RTM_DELADDR))
        m.header(Self.addressHeader(index: index, address, flags: 0))
        try m.put(IFA_LOCAL, bytes: address.address.bytes)
        try m.put(IFA_ADDRESS, bytes: address.address.bytes)
        _ = try execute(m, "delete address \(address) from link \(index)")
    }

    // MARK: - Internal

    static func addressFamily(_ family: IPAddress.Family?) -> UInt8 {
        switch family {
        case .v4: return UInt8(AF_INET)
        case .v6: return UInt8(AF_INET6)
        case nil: return UInt8(AF_UNSPEC)
        }
    }

    private static func addressHeader(index: InterfaceIndex, _ address: IPNetwork, flags: UInt32) -> ifaddrmsg {
        var h = ifaddrmsg()
        h.ifa_family = addressFamily(address.family)
        h.ifa_prefixlen = UInt8(truncatingIfNeeded: address.prefixLength)  // 0...128 by IPNetwork
        h.ifa_flags = UInt8(truncatingIfNeeded: flags)
        h.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        h.ifa_index = index.bitPattern
        return h
    }
}
