/// An IPv4 or IPv6 address, stored as an unsigned integer in host order.
///
/// Formatting follows Go's `net.IP.String()` (dotted quad; RFC 5952 for IPv6) because
/// host-local names its reservation files with it.
package enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    package enum Family: Int, Sendable, Hashable {
        case v4 = 4
        case v6 = 6
    }

    package var family: Family {
        switch self {
        case .v4: return .v4
        case .v6: return .v6
        }
    }

    /// 32 or 128.
    package var bitWidth: Int { family == .v4 ? 32 : 128 }

    /// Parses dotted IPv4 or textual IPv6 (with `::` and an optional trailing dotted quad).
    package init?(_ text: some StringProtocol) {
        let s = String(text)
        if s.contains(":") {
            guard let value = IPAddress.parseV6(Array(s.utf8)) else { return nil }
            self = .v6(value)
        } else {
            guard let value = IPAddress.parseV4(Array(s.utf8)) else { return nil }
            self = .v4(value)
        }
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    package init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) })
        case 16:
            self = .v6(bytes.reduce(UInt128(0)) { ($0 << 8) | UInt128($1) })
        default:
            return nil
        }
    }

    package var bytes: [UInt8] {
        switch self {
        case .v4(let v):
            return (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * (3 - $0))) }
        case .v6(let v):
            return (0..<16).map { UInt8(truncatingIfNeeded: v >> (8 * (15 - $0))) }
        }
    }

    /// The address `n` further on, or nil when that leaves the address space.
    package func advanced(by n: Int) -> IPAddress? {
        switch self {
        case .v4(let v):
            let r = Int64(v) + Int64(n)
            guard let out = UInt32(exactly: r) else { return nil }
            return .v4(out)
        case .v6(let v):
            if n >= 0 {
                let (r, o) = v.addingReportingOverflow(UInt128(n))
                return o ? nil : .v6(r)
            }
            let (r, o) = v.subtractingReportingOverflow(UInt128(n.magnitude))
            return o ? nil : .v6(r)
        }
    }

    package var next: IPAddress? { advanced(by: 1) }
    package var previous: IPAddress? { advanced(by: -1) }

    package var isUnspecified: Bool {
        switch self {
        case .v4(let v): return v == 0
        case .v6(let v): return v == 0
        }
    }

    package var isLoopback: Bool {
        switch self {
        case .v4(let v): return v >> 24 == 127
        case .v6(let v): return v == 1
        }
    }

    package var isLinkLocalUnicast: Bool {
        switch self {
        case .v4(let v): return v >> 16 == 0xA9FE
        case .v6(let v): return v >> 118 == 0x3FA  // fe80::/10
        }
    }

    package var isMulticast: Bool {
        switch self {
        case .v4(let v): return v >> 28 == 0xE
        case .v6(let v): return v >> 120 == 0xFF
        }
    }

    /// Go's `IsGlobalUnicast`: not unspecified, loopback, multicast, link-local (or v4 broadcast).
    package var isGlobalUnicast: Bool {
        if case .v4(let v) = self, v == UInt32.max { return false }
        return !isUnspecified && !isLoopback && !isMulticast && !isLinkLocalUnicast
    }

    package static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v6(let a), .v6(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    package var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .v6(let v):
            return IPAddress.formatV6(v)
        }
    }

    // MARK: - Parsing

    static func parseV4(_ s: [UInt8]) -> UInt32? {
        var parts: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        for c in s {
            if c == UInt8(ascii: ".") {
                guard digits > 0 else { return nil }
                parts.append(current)
                current = 0
                digits = 0
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                // Leading zeros are rejected, as Go does (they look octal).
                if digits == 1 && current == 0 { return nil }
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + UInt32(c - UInt8(ascii: "0"))
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        parts.append(current)
        guard parts.count == 4 else { return nil }
        return parts.reduce(0) { ($0 << 8) | $1 }
    }

    static func parseV6(_ s: [UInt8]) -> UInt128? {
        guard s.count >= 2, s.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var gapIndex: Int? = nil
        var i = 0
        if s[0] == UInt8(ascii: ":") {
            guard s[1] == UInt8(ascii: ":") else { return nil }
            gapIndex = 0
            i = 2
        }
        while i < s.count {
            // Find the next token up to ':'.
            var j = i
            while j < s.count && s[j] != UInt8(ascii: ":") { j += 1 }
            let token = Array(s[i..<j])
            if token.isEmpty { return nil }
            if token.contains(UInt8(ascii: ".")) {
                // Embedded IPv4 must be last.
                guard j == s.count, let v4 = parseV4(token) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                i = j
                break
            }
            guard token.count <= 4 else { return nil }
            var value: UInt16 = 0
            for c in token {
                guard let d = hexValue(c) else { return nil }
                value = value << 4 | UInt16(d)
            }
            groups.append(value)
            if j == s.count { i = j; break }
            // j points at ':'
            if j + 1 < s.count && s[j + 1] == UInt8(ascii: ":") {
                guard gapIndex == nil else { return nil }
                gapIndex = groups.count
                i = j + 2
                if i == s.count { break }
            } else {
                i = j + 1
                guard i < s.count else { return nil }  // trailing single ':'
            }
        }
        if let gap = gapIndex {
            guard groups.count < 8 else { return nil }
            let fill = [UInt16](repeating: 0, count: 8 - groups.count)
            groups.insert(contentsOf: fill, at: gap)
        }
        guard groups.count == 8 else { return nil }
        return groups.reduce(UInt128(0)) { ($0 << 16) | UInt128($1) }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func formatV6(_ v: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: v >> (16 * (7 - $0))) }
        // Longest run of at least two zero groups, first one on ties (RFC 5952).
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLen
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }
}
