import Glibc

/// The process environment.
package enum ProcessEnvironment {
    /// `environ` as a dictionary (the first `=` splits name from value; later duplicates are ignored).
    package static func current() -> [String: String] {
        var result: [String: String] = [:]
        guard var p = Optional(environ) else { return result }
        // Straight from the C strings: no intermediate String and byte array per entry.
        while let entry = p.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            p += 1
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<eq]), as: UTF8.self)
            if result[key] == nil {
                result[key] = String(decoding: UnsafeBufferPointer(rebasing: bytes[(eq + 1)...]), as: UTF8.self)
            }
        }
        return result
    }

    /// `environ` as "K=V" strings, in order.
    package static func entries() -> [String] {
        var out: [String] = []
        guard var p = Optional(environ) else { return out }
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }
}
