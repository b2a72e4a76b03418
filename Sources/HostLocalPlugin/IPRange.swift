import CNIProtocol
import CNIValues

/// One range of a range set: a subnet and the inclusive window `start...end` allocated from it,
/// with the gateway that is never handed out (host-local's `Range`).
struct IPRange: Equatable, Sendable, CustomStringConvertible {
    /// The subnet, always given as its network address.
    let subnet: IPNetwork
    let start: IPAddress
    let end: IPAddress
    let gateway: IPAddress

    /// Validates and fills in defaults as the reference does: start = subnet + 1, end = the last
    /// address (IPv4: the one before broadcast), gateway = subnet + 1. Messages match the
    /// reference's texts; the caller prefixes `invalid range set N: `.
    init(subnet: IPNetwork, start: IPAddress? = nil, end: IPAddress? = nil, gateway: IPAddress? = nil) throws(CNIError) {
        let width = subnet.address.bitWidth
        guard subnet.prefixLength <= width - 2 else {
            throw CNIError.invalidConfig("Network \(subnet) too small to allocate from")
        }
        let networkAddress = subnet.networkAddress
        guard subnet.address == networkAddress else {
            throw CNIError.invalidConfig("Network has host bits set. For a subnet mask of length \(subnet.prefixLength) the network address is \(networkAddress)")
        }
        guard let firstHost = subnet.firstHost else {
            throw CNIError.invalidConfig("Network \(subnet) too small to allocate from")
        }
        let gateway = gateway?.canonical ?? firstHost
        guard gateway.family == subnet.family else {
            throw CNIError.invalidConfig("gateway \(gateway) is not of the same family as network \(subnet)")
        }
        // As in the reference, each bound is checked against the subnet and the other bound as
        // configured, so a start after the end is reported on the start.
        let givenStart = start?.canonical
        let givenEnd = end?.canonical
        let lowest = givenStart ?? firstHost
        if let s = givenStart, !IPRange.within(s, subnet: subnet, lower: s, upper: givenEnd) {
            throw CNIError.invalidConfig("RangeStart \(s) not in network \(subnet)")
        }
        if let e = givenEnd, !IPRange.within(e, subnet: subnet, lower: lowest, upper: e) {
            throw CNIError.invalidConfig("RangeEnd \(e) not in network \(subnet)")
        }
        let defaultEnd: IPAddress
        if subnet.family == .v4 {
            guard let beforeBroadcast = subnet.lastAddress.previous else {
                throw CNIError.invalidConfig("Network \(subnet) too small to allocate from")
            }
            defaultEnd = beforeBroadcast
        } else {
            defaultEnd = subnet.lastAddress
        }
        self.subnet = subnet
        self.start = lowest
        self.end = givenEnd ?? defaultEnd
        self.gateway = gateway
    }

    /// Reads one range object: `subnet` (required), `rangeStart`, `rangeEnd`, `gateway`.
    init(json: JSONObject) throws(CNIError) {
        guard let subnet = try json.network("subnet") else {
            throw CNIError.invalidConfig("range has no subnet")
        }
        try self.init(subnet: subnet, start: try json.address("rangeStart"), end: try json.address("rangeEnd"),
                      gateway: try json.address("gateway"))
    }

    var family: IPAddress.Family { subnet.family }

    /// Whether `address` lies in the subnet and inside `start...end`.
    func contains(_ address: IPAddress) -> Bool {
        IPRange.within(address.canonical, subnet: subnet, lower: start, upper: end)
    }

    /// Whether an address of this range may be handed out: never the gateway, the network
    /// address or (IPv4) the broadcast address, whatever `rangeStart`/`rangeEnd` say.
    func isAssignable(_ address: IPAddress) -> Bool {
        address != gateway && address != subnet.networkAddress
            && !(family == .v4 && address == subnet.lastAddress)
    }

    /// Why `address` (inside this range) can't be requested, or nil when it can.
    func refusalReason(for address: IPAddress) -> String? {
        if address == gateway { return "requested ip \(address) is subnet's gateway" }
        if address == subnet.networkAddress { return "requested ip \(address) is subnet's network address" }
        if family == .v4 && address == subnet.lastAddress { return "requested ip \(address) is subnet's broadcast address" }
        return nil
    }

    /// Any shared address between the two windows (ranges of different families never overlap).
    func overlaps(_ other: IPRange) -> Bool {
        guard family == other.family else { return false }
        return contains(other.start) || contains(other.end) || other.contains(start) || other.contains(end)
    }

    /// `start-end`, as the reference prints a range in its messages.
    var description: String { "\(start)-\(end)" }

    private static func within(_ a: IPAddress, subnet: IPNetwork, lower: IPAddress, upper: IPAddress?) -> Bool {
        guard a.family == subnet.family, subnet.contains(a) else { return false }
        if lower.family == a.family && a < lower { return false }
        if let upper, upper.family == a.family, a > upper { return false }
        return true
    }
}

extension IPAddress {
    /// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as plain IPv4, as Go's `To4()` canonicalises them.
    var canonical: IPAddress {
        if case .v6(let v) = self, v >> 32 == 0xFFFF, let low = UInt32(exactly: v & 0xFFFF_FFFF) {
            return .v4(low)
        }
        return self
    }
}
