import CMnl

/// An interface index (`ifi_index`, `tcm_ifindex`): which link a request or a reply is about.
package struct InterfaceIndex: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }
    package init(_ rawValue: Int32) { self.rawValue = rawValue }

    package var description: String { String(rawValue) }
}

/// A traffic-control handle or parent (`major:minor`, 16 bits each), as `tc` prints it.
package struct TCHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt32

    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package init(major: UInt16, minor: UInt16) {
        rawValue = cmnl_tc_h_make(UInt32(major) << 16, UInt32(minor))
    }

    package var major: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    package var minor: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// TC_H_UNSPEC: "let the kernel choose" (a filter's handle).
    package static let unspecified = TCHandle(rawValue: TC_H_UNSPEC)
    /// TC_H_ROOT: the parent of a root qdisc.
    package static let root = TCHandle(rawValue: TC_H_ROOT)
    /// TC_H_INGRESS (= TC_H_CLSACT): the parent of an `ingress` or `clsact` qdisc.
    package static let ingressParent = TCHandle(rawValue: TC_H_INGRESS)
    /// `ffff:`: the handle of an `ingress` qdisc, and the parent of its filters.
    package static let ingressQdisc = TCHandle(major: 0xFFFF, minor: 0)
    /// `ffff:fff2`: the ingress hook of a `clsact` qdisc, where its ingress filters hang.
    package static let clsactIngress = TCHandle(major: 0xFFFF, minor: UInt16(TC_H_MIN_INGRESS))
    /// `1:`: the handle the bandwidth plugin gives its root tbf.
    package static let firstRoot = TCHandle(major: 1, minor: 0)
    /// `1:1`: the class id of the redirect filter.
    package static let firstClass = TCHandle(major: 1, minor: 1)

    package var description: String {
        switch rawValue {
        case TC_H_ROOT: return "root"
        case TC_H_UNSPEC: return "none"
        default:
            return String(major, radix: 16) + ":" + (minor == 0 ? "" : String(minor, radix: 16))
        }
    }
}

/// A token bucket filter's shaping values, as the kernel holds them (`tc_tbf_qopt` + TCA_TBF_RATE64).
package struct TokenBucket: Hashable, Sendable, CustomStringConvertible {
    /// Bytes per second.
    package var rate: UInt64
    /// Queue limit in bytes.
    package var limit: UInt32
    /// Bucket size in psched ticks.
    package var buffer: UInt32

    package init(rate: UInt64, limit: UInt32, buffer: UInt32) {
        self.rate = rate
        self.limit = limit
        self.buffer = buffer
    }

    package var description: String { "rate \(rate) B/s, limit \(limit) B, buffer \(buffer) ticks" }
}
