import CNIProtocol
import CNIValues

/// A list of ranges of one address family; host-local hands out one address per range set.
struct RangeSet: Equatable, Sendable, CustomStringConvertible {
    /// Never empty.
    let ranges: [IPRange]

    /// Validates as the reference does: not empty, one family, no two ranges overlapping.
    init(_ ranges: [IPRange]) throws(CNIError) {
        guard let first = ranges.first else { throw CNIError.invalidConfig("empty range set") }
        for r in ranges where r.family != first.family {
            throw CNIError.invalidConfig("mixed address families")
        }
        for (i, a) in ranges.enumerated() {
            for b in ranges.dropFirst(i + 1) where a.overlaps(b) {
                throw CNIError.invalidConfig("subnets \(a) and \(b) overlap")
            }
        }
        self.ranges = ranges
    }

    /// Reads a JSON array of range objects; range errors read like the reference's
    /// (`mixed address families` is reported where the mismatching range appears).
    init(json value: JSONValue) throws(CNIError) {
        guard let list = value.arrayValue else {
            throw CNIError.invalidConfig("a range set must be an array of ranges, got \(value.typeName)")
        }
        var ranges: [IPRange] = []
        for item in list {
            guard let object = item.objectValue else {
                throw CNIError.invalidConfig("a range must be an object, got \(item.typeName)")
            }
            let range = try IPRange(json: object)
            if let first = ranges.first, first.family != range.family {
                throw CNIError.invalidConfig("mixed address families")
            }
            ranges.append(range)
        }
        try self.init(ranges)
    }

    var family: IPAddress.Family { ranges.first?.family ?? .v4 }

    /// The range whose window holds `address`.
    func range(containing address: IPAddress) -> IPRange? {
        ranges.first { $0.contains(address) }
    }

    func contains(_ address: IPAddress) -> Bool { range(containing: address) != nil }

    func overlaps(_ other: RangeSet) -> Bool {
        ranges.contains { a in other.ranges.contains { a.overlaps($0) } }
    }

    /// `start-end[,start-end...]`, as in `no IP addresses available in range set: ...`.
    var description: String { ranges.map(\.description).joined(separator: ",") }
}

extension RangeSet {
    /// Gives each range set the first requested address it contains (in request order); any
    /// requested address no set takes fails the whole ADD before anything is reserved.
    static func assign(_ requested: [IPAddress], to sets: [RangeSet]) throws(CNIError) -> [IPAddress?] {
        var remaining: [IPAddress] = []
        for a in requested.map(\.canonical) where !remaining.contains(a) { remaining.append(a) }
        var assignment: [IPAddress?] = []
        for set in sets {
            if let i = remaining.firstIndex(where: { set.contains($0) }) {
                assignment.append(remaining.remove(at: i))
            } else {
                assignment.append(nil)
            }
        }
        guard remaining.isEmpty else {
            throw CNIError.internalFailure("failed to allocate all requested IPs:" + remaining.map { " \($0)" }.joined())
        }
        return assignment
    }
}
