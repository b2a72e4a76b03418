/// A 48-bit Ethernet hardware address, formatted lowercase with colons.
package struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    package let bytes: [UInt8]

    package init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (also `-` separated), case-insensitive.
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let fields = parts.count == 6 ? parts : text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 6 else { return nil }
        var out: [UInt8] = []
        for f in fields {
            guard f.count == 2, let b = UInt8(f, radix: 16) else { return nil }
            out.append(b)
        }
        bytes = out
    }

    package var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
    package var isMulticast: Bool { (bytes.first ?? 0) & 1 == 1 }

    package var description: String {
        bytes.map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined(separator: ":")
    }
}
