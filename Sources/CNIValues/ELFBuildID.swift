/// The GNU build-id of an ELF file: the `NT_GNU_BUILD_ID` note (name "GNU", type 3) in a
/// `PT_NOTE` segment, a hash the linker computes over the output (`ld --build-id`). Two files
/// with the same build-id are the same build; `strip` keeps the note.
///
/// Pure: `read(offset, count)` supplies the file's bytes (fewer than `count` at end of file,
/// nil on error), so only the ELF header, the program headers and the note segments are read.
/// Only ELF64 little-endian (x86_64, aarch64) is understood; anything else has no build-id.
public enum ELFBuildID {
    public typealias Reader = (_ offset: UInt64, _ count: Int) -> [UInt8]?

    static let noteTypeGNUBuildID: UInt32 = 3
    static let segmentTypeNote: UInt32 = 4
    /// Bounds that keep a hostile or corrupt file from making us read much.
    static let maxProgramHeaders = 512
    static let maxNoteSegmentSize: UInt64 = 1 << 16

    public static func read(_ read: Reader) -> [UInt8]? {
        guard let header = read(0, 64), header.count == 64,
              header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46,
              header[4] == 2,  // ELFCLASS64
              header[5] == 1   // ELFDATA2LSB
        else { return nil }
        let phoff = le64(header, 0x20)
        let phentsize = Int(le16(header, 0x36))
        let phnum = Int(le16(header, 0x38))
        guard phnum > 0, phnum <= maxProgramHeaders, phentsize >= 56,
              let table = read(phoff, phnum * phentsize), table.count == phnum * phentsize
        else { return nil }
        for index in 0..<phnum {
            let at = index * phentsize
            guard le32(table, at) == segmentTypeNote else { continue }
            let offset = le64(table, at + 0x08)
            let size = le64(table, at + 0x20)
            let align = le64(table, at + 0x30) == 8 ? 8 : 4
            guard size > 0, size <= maxNoteSegmentSize,
                  let notes = read(offset, Int(size)), notes.count == Int(size) else { continue }
            if let id = buildID(inNotes: notes, alignment: align) { return id }
        }
        return nil
    }

    /// Walks one note segment: `namesz`, `descsz`, `type` (4 bytes each), then the name and
    /// the descriptor, each padded to `alignment`.
    static func buildID(inNotes notes: [UInt8], alignment: Int) -> [UInt8]? {
        var at = 0
        while notes.count - at >= 12 {
            let nameSize = Int(le32(notes, at)), descSize = Int(le32(notes, at + 4))
            let type = le32(notes, at + 8)
            let nameStart = at + 12
            let descStart = nameStart + padded(nameSize, alignment)
            let next = descStart + padded(descSize, alignment)
            guard descStart <= notes.count, descStart + descSize <= notes.count else { return nil }
            if type == noteTypeGNUBuildID, nameSize == 4,
               notes[nameStart] == 0x47, notes[nameStart + 1] == 0x4E, notes[nameStart + 2] == 0x55,
               notes[nameStart + 3] == 0, descSize > 0 {
                return Array(notes[descStart..<(descStart + descSize)])
            }
            guard next > at else { return nil }
            at = next
        }
        return nil
    }

    /// Lowercase hex, as `readelf -n` and `file` print it.
    public static func hex(_ id: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(id.count * 2)
        for byte in id {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // Sizes come from 32-bit fields, so these never overflow Int on a 64-bit host.
    private static func padded(_ size: Int, _ alignment: Int) -> Int {
        (size + alignment - 1) / alignment * alignment
    }

    private static func le16(_ b: [UInt8], _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    private static func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(b[at + i]) }
        return v
    }

    private static func le64(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(b[at + i]) }
        return v
    }
}
