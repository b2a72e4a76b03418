import CNIValues
import XCTest

/// The build-id reader on hand-built ELF images: 64-bit little-endian and 32-bit big-endian,
/// other notes before the build-id, and inputs that must not trap.
final class ELFBuildIDTests: XCTestCase {
    /// An ELF header, one PT_NOTE program header and the notes right after.
    static func image(is64: Bool, bigEndian: Bool, notes: [(name: [UInt8], type: UInt32, desc: [UInt8])]) -> [UInt8] {
        func put(_ v: UInt64, _ width: Int, into out: inout [UInt8]) {
            for k in 0..<width {
                let shift = bigEndian ? (width - 1 - k) * 8 : k * 8
                out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            }
        }
        var noteBytes: [UInt8] = []
        for n in notes {
            put(UInt64(n.name.count), 4, into: &noteBytes)
            put(UInt64(n.desc.count), 4, into: &noteBytes)
            put(UInt64(n.type), 4, into: &noteBytes)
            noteBytes += n.name + [UInt8](repeating: 0, count: (4 - n.name.count % 4) % 4)
            noteBytes += n.desc + [UInt8](repeating: 0, count: (4 - n.desc.count % 4) % 4)
        }
        let headerSize = is64 ? 64 : 52, phSize = is64 ? 56 : 32
        let noteOffset = UInt64(headerSize + phSize)
        var out: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, is64 ? 2 : 1, bigEndian ? 2 : 1, 1, 0]
        out += [UInt8](repeating: 0, count: 8)
        put(2, 2, into: &out); put(62, 2, into: &out); put(1, 4, into: &out)  // e_type, e_machine, e_version
        if is64 {
            put(0, 8, into: &out); put(UInt64(headerSize), 8, into: &out); put(0, 8, into: &out)  // entry, phoff, shoff
        } else {
            put(0, 4, into: &out); put(UInt64(headerSize), 4, into: &out); put(0, 4, into: &out)
        }
        put(0, 4, into: &out); put(UInt64(headerSize), 2, into: &out)  // flags, ehsize
        put(UInt64(phSize), 2, into: &out); put(1, 2, into: &out)  // phentsize, phnum
        put(0, 2, into: &out); put(0, 2, into: &out); put(0, 2, into: &out)  // shentsize, shnum, shstrndx
        XCTAssertEqual(out.count, headerSize)
        if is64 {
            put(4, 4, into: &out); put(4, 4, into: &out); put(noteOffset, 8, into: &out)  // type, flags, offset
            put(0, 8, into: &out); put(0, 8, into: &out)  // vaddr, paddr
            put(UInt64(noteBytes.count), 8, into: &out); put(UInt64(noteBytes.count), 8, into: &out); put(4, 8, into: &out)
        } else {
            put(4, 4, into: &out); put(noteOffset, 4, into: &out); put(0, 4, into: &out); put(0, 4, into: &out)
            put(UInt64(noteBytes.count), 4, into: &out); put(UInt64(noteBytes.count), 4, into: &out)
            put(4, 4, into: &out); put(4, 4, into: &out)
        }
        return out + noteBytes
    }

    static let gnu: [UInt8] = [0x47, 0x4E, 0x55, 0]
    static let id: [UInt8] = Array(0..<20).map { UInt8($0 * 13 & 0xFF) }

    func testFindsTheBuildIDAfterOtherNotes() {
        let notes: [(name: [UInt8], type: UInt32, desc: [UInt8])] = [
            (Self.gnu, 1, [0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),  // NT_GNU_ABI_TAG
            (Array("Go\0".utf8), 4, [1, 2, 3]),  // a note whose desc needs padding
            (Self.gnu, 3, Self.id),
        ]
        for (is64, big) in [(true, false), (false, true), (true, true), (false, false)] {
            let bytes = Self.image(is64: is64, bigEndian: big, notes: notes)
            XCTAssertEqual(ELFBuildID.parse(bytes), .id(Self.id), "is64 \(is64) bigEndian \(big)")
        }
        XCTAssertEqual(ELFBuildID.id(Self.id).hex, "000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7")
    }

    func testWithoutBuildIDNotELFAndTruncated() {
        let noID = Self.image(is64: true, bigEndian: false, notes: [(Self.gnu, 1, [0, 0, 0, 0])])
        XCTAssertEqual(ELFBuildID.parse(noID), ELFBuildID.none)
        XCTAssertEqual(ELFBuildID.parse(Array("#!/bin/sh\necho hi\n".utf8) + [UInt8](repeating: 0x20, count: 64)), .notELF)
        XCTAssertEqual(ELFBuildID.parse([0x7F, 0x45, 0x4C, 0x46]), .notELF)
        // Every prefix of a valid image parses without trapping, to none or the id.
        let full = Self.image(is64: true, bigEndian: false, notes: [(Self.gnu, 3, Self.id)])
        for n in 0...full.count {
            let r = ELFBuildID.parse(Array(full.prefix(n)))
            XCTAssertTrue(r == .notELF || r == ELFBuildID.none || r == .id(Self.id), "prefix \(n): \(r)")
        }
        XCTAssertEqual(ELFBuildID.parse(full), .id(Self.id))
        // Absurd sizes in the note header.
        var bad = full
        bad[120] = 0xFF; bad[121] = 0xFF; bad[122] = 0xFF; bad[123] = 0xFF
        XCTAssertEqual(ELFBuildID.parse(bad), ELFBuildID.none)
    }
}
