/// An address with a prefix length, as written in CIDR notation (`10.244.1.1/24`).
///
/// The address keeps its host bits (like Go's `ParseCIDR` IP part); `network` masks them.
package struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    package let address: IPAddress
    package let prefixLength: Int

    package init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.bitWidth else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `addr/prefix`. The prefix is decimal without sign or leading zeros.
    package init?(_ text: some StringProtocol) {
        let s = String(text)
        guard let slash = s.firstIndex(of: "/") else { return nil }
        let prefixText = s[s.index(after: slash)...]
        guard !prefixText.isEmpty, prefixText.count <= 3,
              prefixText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              !(prefixText.count > 1 && prefixText.hasPrefix("0")),
              let prefix = Int(prefixText),
              let address = IPAddress(s[..<slash])
        else { return nil }
        self.init(address: address, prefixLength: prefix)
    }

    package var family: IPAddress.Family { address.family }

    /// The address with the host bits cleared.
    package var networkAddress: IPAddress {
        switch address {
        case .v4(let v): return .v4(v & IPNetwork.mask4(prefixLength))
        case .v6(let v): return .v6(v & IPNetwork.mask6(prefixLength))
        }
    }

    /// This network with host bits cleared (`10.244.1.1/24` → `10.244.1.0/24`).
    package var network: IPNetwork {
        IPNetwork(uncheckedAddress: networkAddress, prefixLength: prefixLength)
    }

    /// The last address of the network (IPv4 broadcast, IPv6 all-ones).
    package var lastAddress: IPAddress {
        switch address {
        case .v4(let v): return .v4(v | ~IPNetwork.mask4(prefixLength))
        case .v6(let v): return .v6(v | ~IPNetwork.mask6(prefixLength))
        }
    }

    /// The first host: network address + 1 (the conventional gateway).
    package var firstHost: IPAddress? { networkAddress.next }

    package var isHostRoute: Bool { prefixLength == address.bitWidth }

    package func contains(_ ip: IPAddress) -> Bool {
        switch (address, ip) {
        case (.v4(let n), .v4(let a)):
            let m = IPNetwork.mask4(prefixLength)
            return n & m == a & m
        case (.v6(let n), .v6(let a)):
            let m = IPNetwork.mask6(prefixLength)
            return n & m == a & m
        default:
            return false
        }
    }

    /// True when the two networks share any address.
    package func overlaps(_ other: IPNetwork) -> Bool {
        contains(other.networkAddress) || other.contains(networkAddress)
    }

    /// Dotted netmask for IPv4 / hex mask for IPv6, as bytes.
    package var maskBytes: [UInt8] {
        switch address {
        case .v4: return IPAddress.v4(IPNetwork.mask4(prefixLength)).bytes
        case .v6: return IPAddress.v6(IPNetwork.mask6(prefixLength)).bytes
        }
    }

    package var description: String { "\(address)/\(prefixLength)" }

    init(uncheckedAddress: IPAddress, prefixLength: Int) {
        self.address = uncheckedAddress
        self.prefixLength = prefixLength
    }

    static func mask4(_ prefix: Int) -> UInt32 {
        prefix <= 0 ? 0 : (prefix >= 32 ? UInt32.max : ~(UInt32.max >> UInt32(prefix)))
    }

    static func mask6(_ prefix: Int) -> UInt128 {
        prefix <= 0 ? 0 : (prefix >= 128 ? UInt128.max : ~(UInt128.max >> UInt128(prefix)))
    }
}
