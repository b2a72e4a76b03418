import CNIValues
import XCTest

/// The build-id reader on images with several segments, 8-byte aligned notes, and hostile
/// headers (the reader must answer, never trap).
final class ELFBuildIDSegmentTests: XCTestCase {
    /// A minimal ELF64 little-endian file: header, `programHeaders`, then `segments` laid out
    /// one after the other (each program header points at its segment).
    private func elf(_ segments: [(type: UInt32, align: UInt64, bytes: [UInt8])]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 64)
        header.replaceSubrange(0..<6, with: [0x7F, 0x45, 0x4C, 0x46, 2, 1])
        put(&header, 0x20, UInt64(64), 8)                 // e_phoff
        put(&header, 0x36, UInt64(56), 2)                 // e_phentsize
        put(&header, 0x38, UInt64(segments.count), 2)     // e_phnum
        var table: [UInt8] = []
        var offset = 64 + 56 * segments.count
        for s in segments {
            var ph = [UInt8](repeating: 0, count: 56)
            put(&ph, 0, UInt64(s.type), 4)
            put(&ph, 0x08, UInt64(offset), 8)
            put(&ph, 0x20, UInt64(s.bytes.count), 8)
            put(&ph, 0x30, s.align, 8)
            table += ph
            offset += s.bytes.count
        }
        return header + table + segments.flatMap(\.bytes)
    }

    private func note(name: [UInt8], type: UInt32, desc: [UInt8], align: Int = 4) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 12)
        put(&out, 0, UInt64(name.count), 4)
        put(&out, 4, UInt64(desc.count), 4)
        put(&out, 8, UInt64(type), 4)
        out += name + [UInt8](repeating: 0, count: (align - name.count % align) % align)
        out += desc + [UInt8](repeating: 0, count: (align - desc.count % align) % align)
        return out
    }

    private func put(_ b: inout [UInt8], _ at: Int, _ value: UInt64, _ size: Int) {
        for i in 0..<size { b[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    private func buildID(_ file: [UInt8]) -> [UInt8]? {
        if case .id(let id) = ELFBuildID.parse(file) { return id }
        return nil
    }

    private let gnu: [UInt8] = [0x47, 0x4E, 0x55, 0]
    private let id: [UInt8] = [0xD1, 0x98, 0x62, 0xF2, 0xD1, 0x07, 0x9D, 0xD3, 0xE8, 0xD6,
                               0x20, 0x40, 0x32, 0x7B, 0x10, 0xDC, 0xA2, 0xDD, 0x40, 0xCA]

    func testFindsTheGNUBuildIDAfterOtherNotesAndSegments() {
        let abiTag = note(name: gnu, type: 1, desc: [0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
        let goNote = note(name: Array("Go".utf8) + [0], type: 4, desc: Array("abc/def".utf8))
        let file = elf([
            (type: 1, align: 4096, bytes: [UInt8](repeating: 0x90, count: 32)),   // PT_LOAD
            (type: 4, align: 4, bytes: abiTag + goNote + note(name: gnu, type: 3, desc: id)),
        ])
        XCTAssertEqual(buildID(file), id)
        XCTAssertEqual(ELFBuildID.id(id).hex, "d19862f2d1079dd3e8d62040327b10dca2dd40ca")
    }

    func testReadsNotesAlignedToEightBytes() {
        let property = note(name: gnu, type: 5, desc: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], align: 8)
        let file = elf([(type: 4, align: 8, bytes: property + note(name: gnu, type: 3, desc: id, align: 8))])
        XCTAssertEqual(buildID(file), id)
    }

    func testNoBuildIDInFilesWithoutOne() {
        XCTAssertNil(buildID(elf([(type: 4, align: 4, bytes: note(name: gnu, type: 1, desc: [0, 0, 0, 0]))])))
        // A type-3 note under another name ("Go" build IDs are type 4; "XYZ" is nobody's).
        XCTAssertNil(buildID(elf([(type: 4, align: 4, bytes: note(name: Array("XYZ".utf8) + [0], type: 3, desc: id))])))
        XCTAssertNil(buildID(elf([(type: 1, align: 4, bytes: note(name: gnu, type: 3, desc: id))])))  // not PT_NOTE
        XCTAssertNil(buildID(Array("#!/bin/sh\necho hi\n".utf8)))
        XCTAssertNil(buildID([]))
    }

    func testRejectsTruncatedAndCorruptFilesWithoutTrapping() {
        let good = elf([(type: 4, align: 4, bytes: note(name: gnu, type: 3, desc: id))])
        for cut in [10, 63, 64, 100, good.count - 1] {
            XCTAssertNil(buildID(Array(good[0..<cut])), "cut at \(cut)")
        }
        var bigClass = good
        bigClass[5] = 2  // read as big-endian: the offsets point nowhere
        XCTAssertNil(buildID(bigClass))
        var badClass = good
        badClass[4] = 3  // neither ELFCLASS32 nor ELFCLASS64
        XCTAssertEqual(ELFBuildID.parse(badClass), .notELF)
        var hugeDesc = good
        put(&hugeDesc, 64 + 56 + 4, 0xFFFF_FFFF, 4)  // descsz past the segment
        XCTAssertNil(buildID(hugeDesc))
        var hugeTable = good
        put(&hugeTable, 0x38, 0xFFFF, 2)  // e_phnum: the entries past the end are skipped, the real one read
        XCTAssertEqual(buildID(hugeTable), id)
        var farOffset = good
        put(&farOffset, 0x20, UInt64.max - 8, 8)  // e_phoff
        XCTAssertNil(buildID(farOffset))
    }
}
