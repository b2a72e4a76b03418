/// Bounds-checked reads from kernel replies: every read returns nil instead of trapping.
extension ArraySlice where Element == UInt8 {
    /// A host-order integer at `offset` bytes from the slice start.
    func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        let start = startIndex + offset
        return self[start..<(start + size)].withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// `count` bytes at `offset`, or nil when they run past the end.
    func bytes(at offset: Int, count n: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, n >= 0, offset <= count - n else { return nil }
        let start = startIndex + offset
        return self[start..<(start + n)]
    }

    /// Everything from `offset` on (empty when past the end).
    func suffix(from offset: Int) -> ArraySlice<UInt8> {
        guard offset >= 0, offset < count else { return self[endIndex..<endIndex] }
        return self[(startIndex + offset)...]
    }
}

/// NLMSG_ALIGN / NLA_ALIGN: rounds up to 4.
@inline(__always)
func netlinkAligned(_ n: Int) -> Int { (n + 3) & ~3 }
