import CNIValues

/// The reference's round-robin walk over a range set: it starts just after the last reserved
/// address when that is still inside the set (else at the first range's start), moves to the next
/// range at each range's end, wraps around, skips gateways, and stops when back at its start.
/// So a freed address is not handed out again until the whole set has been used.
struct RangeIterator: IteratorProtocol {
    private let ranges: [IPRange]
    private var index = 0
    private var current: IPAddress?
    private var origin: IPAddress?

    init(set: RangeSet, lastReserved: IPAddress?) {
        ranges = set.ranges
        if let last = lastReserved, let i = ranges.firstIndex(where: { $0.contains(last) }) {
            index = i
            current = last
        } else {
            origin = ranges.first?.start
        }
    }

    mutating func next() -> (address: IPAddress, range: IPRange)? {
        guard !ranges.isEmpty, ranges.indices.contains(index) else { return nil }
        while true {
            var range = ranges[index]
            guard let position = current else {
                // First step of a walk that starts at the first range's start (inclusive).
                current = range.start
                origin = range.start
                if range.start == range.gateway { continue }
                return (range.start, range)
            }
            let candidate: IPAddress
            if position == range.end {
                index = (index + 1) % ranges.count
                range = ranges[index]
                candidate = range.start
            } else {
                guard let following = position.next else { return nil }
                candidate = following
            }
            current = candidate
            if let origin {
                if candidate == origin { return nil }
            } else {
                origin = candidate
            }
            if candidate == range.gateway { continue }
            return (candidate, range)
        }
    }
}
