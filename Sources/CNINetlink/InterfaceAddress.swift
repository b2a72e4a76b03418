import CMnl
import CNIValues

/// An address assigned to a link, as RTM_NEWADDR describes it.
package struct InterfaceAddress: Sendable, Hashable {
    package var index: InterfaceIndex
    /// The address with its prefix length (host bits kept: 10.0.0.5/24).
    package var network: IPNetwork
    /// RT_SCOPE_* (0 universe, 253 link, 254 host).
    package var scope: UInt8
    /// IFA_F_* (IFA_FLAGS when present, else the 8-bit ifa_flags).
    package var flags: UInt32

    package init(index: InterfaceIndex, network: IPNetwork, scope: UInt8 = 0, flags: UInt32 = 0) {
        self.index = index
        self.network = network
        self.scope = scope
        self.flags = flags
    }

    /// IFA_F_TENTATIVE: duplicate address detection still running (IPv6).
    package var isTentative: Bool { flags & UInt32(IFA_F_TENTATIVE) != 0 }

    /// IFA_F_DADFAILED: duplicate address detection found the address in use (IPv6).
    package var isDADFailed: Bool { flags & UInt32(IFA_F_DADFAILED) != 0 }

    /// Decodes an RTM_NEWADDR reply; nil when it is malformed.
    init?(message: NetlinkMessage) {
        guard message.type == UInt16(RTM_NEWADDR),
              let prefixLength = message.payload.integer(UInt8.self, at: 1),
              let shortFlags = message.payload.integer(UInt8.self, at: 2),
              let scope = message.payload.integer(UInt8.self, at: 3),
              let index = message.payload.integer(UInt32.self, at: 4)
        else { return nil }
        let attributes = message.attributes(afterHeader: MemoryLayout<ifaddrmsg>.size)
        // For IPv4, IFA_LOCAL is the local address and IFA_ADDRESS the peer; IPv6 sends only IFA_ADDRESS.
        guard let raw = attributes[IFA_LOCAL] ?? attributes[IFA_ADDRESS],
              let address = IPAddress(bytes: Array(raw)),
              let network = IPNetwork(address: address, prefixLength: Int(prefixLength))
        else { return nil }
        self.init(index: InterfaceIndex(bitPattern: index), network: network, scope: scope,
                  flags: attributes.u32(IFA_FLAGS) ?? UInt32(shortFlags))
    }
}
