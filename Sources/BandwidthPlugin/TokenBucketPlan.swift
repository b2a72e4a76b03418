import CNINetlink
import CNIValues

/// The tbf values for a rate and burst, with the reference's arithmetic (`createTBF`, `buffer`,
/// `limit` in containernetworking/plugins `plugins/meta/bandwidth/bandwidth_linux.go`):
///
///     rateBytes   = rate / 8,  burstBytes = burst / 8              (integer division)
///     bufferTicks = u32( u32(burstBytes × 10⁶ / rateBytes) × tickInUsec )
///     limitBytes  = u32(rateBytes × 25 000 / 10⁶) + burstBytes     (latency fixed at 25 ms)
///
/// The reference converts float64 to uint32 and adds in 32 bits; where a value does not fit
/// (the runtimes' default bursts) Go's conversion is CPU-dependent (amd64 wraps modulo 2³²) and
/// the queue it shapes is arbitrary. Here every such step saturates at 2³²-1 instead. For every
/// value that fits, the result is the reference's bit for bit. CHECK recomputes with this rule.
package struct TokenBucketPlan: Sendable {
    /// psched ticks per microsecond (15.625 on current kernels), from `/proc/net/psched`.
    package var ticksPerMicrosecond: Double

    package init(ticksPerMicrosecond: Double) { self.ticksPerMicrosecond = ticksPerMicrosecond }

    /// The queue latency the reference fixes, in microseconds.
    package static let latencyMicroseconds = 25_000.0
    static let microsecondsPerSecond = 1_000_000.0

    package func bucket(rate: UInt64, burst: UInt64) -> TokenBucket {
        let rateBytes = rate / 8
        let burstBytes = Self.saturated(burst / 8)
        guard rateBytes > 0 else { return TokenBucket(rate: 0, limit: burstBytes, buffer: 0) }
        let burstTime = Self.saturated(Double(burstBytes) * Self.microsecondsPerSecond / Double(rateBytes))
        let buffer = Self.saturated(Double(burstTime) * ticksPerMicrosecond)
        let queued = Self.saturated(Double(rateBytes) * Self.latencyMicroseconds / Self.microsecondsPerSecond)
        let (limit, overflow) = queued.addingReportingOverflow(burstBytes)
        return TokenBucket(rate: rateBytes, limit: overflow ? UInt32.max : limit, buffer: buffer)
    }

    /// float64 → uint32 as Go truncates it, but 2³²-1 for anything that does not fit.
    static func saturated(_ value: Double) -> UInt32 {
        guard value.isFinite, value > 0 else { return 0 }
        guard value < 4_294_967_296.0 else { return UInt32.max }
        return UInt32(value.rounded(.towardZero))
    }

    static func saturated(_ value: UInt64) -> UInt32 { UInt32(exactly: value) ?? UInt32.max }

    /// `/proc/net/psched`: four hex words `t2us us2t clock_res hz`; ticks per µs =
    /// t2us / us2t × clock_res / 10⁶ (with the old-kernel rule: clock_res 10⁹ means t2us = us2t),
    /// as iproute2 and vishvananda/netlink read it. Nil when the text is not that.
    package init?(psched text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard words.count >= 3 else { return nil }
        var values: [UInt64] = []
        for word in words.prefix(3) {
            guard let v = UInt64(word, radix: 16) else { return nil }
            values.append(v)
        }
        if values[2] == 1_000_000_000 { values[0] = values[1] }
        guard values[1] > 0 else { return nil }
        let clockFactor = Double(values[2]) / Self.microsecondsPerSecond
        self.init(ticksPerMicrosecond: Double(values[0]) / Double(values[1]) * clockFactor)
    }
}
