/// Who holds a reserved address, as recorded in its file (the reference's format, byte for byte):
/// `<containerID>\r\n<ifname>`, or just `<containerID>` in stores written before host-local
/// recorded the interface ("legacy").
package struct ReservationOwner: Hashable, Sendable {
    package let containerID: String
    /// nil for a legacy record.
    package let ifname: String?

    package init(containerID: String, ifname: String?) {
        self.containerID = containerID
        self.ifname = ifname
    }

    /// Parses a record; surrounding whitespace is ignored, as the reference trims it. The split is
    /// at the exact bytes CR LF (Swift treats "\r\n" as one Character, so this works on bytes).
    package init(parsing bytes: [UInt8]) {
        let trimmed = ReservationOwner.trimmed(bytes)
        var split: Int? = nil
        var i = 0
        while i + 1 < trimmed.count {
            if trimmed[i] == 0x0D && trimmed[i + 1] == 0x0A { split = i; break }
            i += 1
        }
        if let split {
            containerID = String(decoding: trimmed[..<split], as: UTF8.self)
            ifname = String(decoding: trimmed[(split + 2)...], as: UTF8.self)
        } else {
            containerID = String(decoding: trimmed, as: UTF8.self)
            ifname = nil
        }
    }

    /// The file content: `<id>\r\n<ifname>`, no trailing newline (the reference's format).
    package var record: [UInt8] {
        let id = ReservationOwner.trimmed(Array(containerID.utf8))
        guard let ifname else { return id }
        return id + [0x0D, 0x0A] + Array(ifname.utf8)
    }

    private static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(bytes[first...last])
    }
}
