import Foundation

/// SplitMix64: a tiny deterministic generator, so a failing fuzz case or kill schedule is
/// reproduced from the seed printed with the failure (`RELIABILITY_SEED=<n>` overrides the default).
package struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed for a test: `RELIABILITY_SEED` when set (decimal or 0x-hex), else `fallback`.
    package static func seed(default fallback: UInt64) -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["RELIABILITY_SEED"], !text.isEmpty else { return fallback }
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) ?? fallback }
        return UInt64(text) ?? fallback
    }

    package mutating func bytes(_ count: Int) -> [UInt8] {
        var words = (0..<(count + 7) / 8).map { _ in next() }
        return words.withUnsafeMutableBytes { Array($0.prefix(count)) }
    }

    package mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &self)]
    }
}
