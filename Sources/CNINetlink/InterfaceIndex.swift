/// An interface index (`ifi_index`, `ifa_index`, `IFLA_MASTER`, `IFLA_LINK`, `RTA_OIF`,
/// `tcm_ifindex`): which link a request or a reply is about. A type of its own, so a master's or a
/// peer's index cannot be passed where the link's own index belongs.
/// An integer literal is an index (`lo` is 1 in every namespace; the tests' canned replies). The
/// kernel hands out indexes in increasing order per namespace, so `<` means "created earlier".
package struct InterfaceIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    package let rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }
    package init(_ rawValue: Int32) { self.rawValue = rawValue }
    package init(integerLiteral value: Int32) { rawValue = value }

    /// From a `u32` attribute (`IFLA_MASTER`, `RTA_OIF`, `ifa_index`).
    package init(bitPattern value: UInt32) { rawValue = Int32(bitPattern: value) }

    /// As a `u32` attribute carries it.
    package var bitPattern: UInt32 { UInt32(bitPattern: rawValue) }

    /// 0: no link (a request about every link; in IFLA_MASTER, "no bridge").
    package static let unspecified = InterfaceIndex(0)

    package var description: String { String(rawValue) }

    package static func < (a: InterfaceIndex, b: InterfaceIndex) -> Bool { a.rawValue < b.rawValue }
}
