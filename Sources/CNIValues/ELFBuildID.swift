/// The build identity of an executable: the GNU build-id note (`NT_GNU_BUILD_ID`, owner "GNU")
/// the linker writes into every ELF file, found through the program headers' `PT_NOTE`
/// segments (pure parsing over the file's first bytes; every read is bounds-checked). Two files
/// with the same build-id are the same build.
public enum ELFBuildID: Equatable, Sendable {
    /// Not an ELF file (a script, a truncated file).
    case notELF
    /// ELF, but no build-id note within the bytes given (linked with `--build-id=none`).
    case none
    /// The note's descriptor (20 bytes for sha1, 16 for md5/uuid).
    case id([UInt8])

    static let ptNote: UInt32 = 4
    static let ntGNUBuildID: UInt32 = 3

    /// Lower-case hex of the id (what `readelf -n` and `file` print).
    public var hex: String? {
        guard case .id(let bytes) = self else { return nil }
        let digits = Array("0123456789abcdef")
        var out = ""
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }

    /// Parses the start of a file (the header, program headers and notes must lie within it).
    public static func parse(_ bytes: [UInt8]) -> ELFBuildID {
        guard let (is64, reader) = header(bytes) else { return .notELF }
        guard let phoff = is64 ? reader.u64(0x20) : reader.u32(0x1C).map(UInt64.init),
              let phentsize = reader.u16(is64 ? 0x36 : 0x2A), let phnum = reader.u16(is64 ? 0x38 : 0x2C)
        else { return .notELF }
        let entrySize = is64 ? 56 : 32
        guard Int(phentsize) >= entrySize, phoff < UInt64(bytes.count) else { return .none }
        for i in 0..<Int(phnum) {
            let base = Int(phoff) + i * Int(phentsize)
            guard base + entrySize <= bytes.count, let type = reader.u32(base), type == ptNote else { continue }
            let offset: UInt64?, size: UInt64?, align: UInt64?
            if is64 {
                offset = reader.u64(base + 8); size = reader.u64(base + 32); align = reader.u64(base + 48)
            } else {
                offset = reader.u32(base + 4).map(UInt64.init); size = reader.u32(base + 16).map(UInt64.init)
                align = reader.u32(base + 28).map(UInt64.init)
            }
            guard let offset, let size, offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else { continue }
            if let id = buildID(reader, from: Int(offset), to: Int(offset + size), align: align == 8 ? 8 : 4) {
                return .id(id)
            }
        }
        return .none
    }

    /// The ELF identification (magic, class, data encoding) of a file's first bytes: whether it
    /// is 64-bit, and a reader in its byte order. Nil when the bytes are not an ELF header.
    static func header(_ bytes: [UInt8]) -> (is64: Bool, reader: Reader)? {
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return nil }
        let is64: Bool
        switch bytes[4] {
        case 1: is64 = false
        case 2: is64 = true
        default: return nil
        }
        switch bytes[5] {
        case 1: return (is64, Reader(bytes: bytes, bigEndian: false))
        case 2: return (is64, Reader(bytes: bytes, bigEndian: true))
        default: return nil
        }
    }

    /// Walks the notes in `[start, end)`: namesz, descsz, type, name and desc each padded to `align`.
    static func buildID(_ r: Reader, from start: Int, to end: Int, align: Int) -> [UInt8]? {
        var at = start
        while at + 12 <= end {
            guard let namesz = r.u32(at), let descsz = r.u32(at + 4), let type = r.u32(at + 8) else { return nil }
            let nameStart = at + 12
            let descStart = nameStart + padded(Int(namesz), align)
            let next = descStart + padded(Int(descsz), align)
            guard namesz <= 1 << 16, descsz <= 1 << 16, descStart + Int(descsz) <= end else { return nil }
            if type == ntGNUBuildID, namesz == 4, Array(r.bytes[nameStart..<nameStart + 4]) == [0x47, 0x4E, 0x55, 0],
               descsz > 0 {
                return Array(r.bytes[descStart..<descStart + Int(descsz)])
            }
            guard next > at else { return nil }
            at = next
        }
        return nil
    }

    static func padded(_ n: Int, _ align: Int) -> Int { (n + align - 1) / align * align }

    struct Reader {
        let bytes: [UInt8]
        let bigEndian: Bool

        func value(_ at: Int, _ width: Int) -> UInt64? {
            guard at >= 0, width > 0, at <= bytes.count - width else { return nil }
            var v: UInt64 = 0
            for k in 0..<width {
                let b = UInt64(bytes[bigEndian ? at + k : at + width - 1 - k])
                v = v << 8 | b
            }
            return v
        }

        func u16(_ at: Int) -> UInt16? { value(at, 2).map { UInt16(truncatingIfNeeded: $0) } }
        func u32(_ at: Int) -> UInt32? { value(at, 4).map { UInt32(truncatingIfNeeded: $0) } }
        func u64(_ at: Int) -> UInt64? { value(at, 8) }
    }
}
