import CNITestSupport
import Foundation
import XCTest
@testable import CNIProtocol

/// The build-id of a delegate is read from its first 4 KiB, and again up to 64 KiB when the note
/// lies further in.
final class BuildIDReadTests: XCTestCase {
    /// A minimal little-endian ELF64 file with one PT_NOTE segment at `noteOffset` holding a GNU
    /// build-id note with descriptor `id`, padded to `size` bytes.
    private func elf(noteOffset: Int, id: [UInt8], size: Int) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: max(size, noteOffset + 16 + id.count))
        func put(_ v: UInt64, _ at: Int, _ width: Int) {
            for k in 0..<width { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        }
        b[0] = 0x7F; b[1] = 0x45; b[2] = 0x4C; b[3] = 0x46; b[4] = 2; b[5] = 1; b[6] = 1
        put(64, 0x20, 8)  // e_phoff
        put(56, 0x36, 2)  // e_phentsize
        put(1, 0x38, 2)  // e_phnum
        put(4, 64, 4)  // p_type PT_NOTE
        put(UInt64(noteOffset), 64 + 8, 8)  // p_offset
        put(UInt64(16 + id.count), 64 + 32, 8)  // p_filesz
        put(4, 64 + 48, 8)  // p_align
        put(4, noteOffset, 4)  // namesz
        put(UInt64(id.count), noteOffset + 4, 4)  // descsz
        put(3, noteOffset + 8, 4)  // NT_GNU_BUILD_ID
        b[noteOffset + 12] = 0x47; b[noteOffset + 13] = 0x4E; b[noteOffset + 14] = 0x55
        for (k, v) in id.enumerated() { b[noteOffset + 16 + k] = v }
        return b
    }

    func testNoteWithinTheFirstReadBeyondItAndBeyondTheLimit() throws {
        let dir = try TemporaryDirectory()
        let id: [UInt8] = Array(1...20)
        for (offset, found) in [(512, true), (PluginRegistry.buildIDFirstRead + 904, true),
                                (PluginRegistry.buildIDPrefix + 100, false)] {
            let path = dir.file("elf\(offset)")
            try Data(elf(noteOffset: offset, id: id, size: 80_000)).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(PluginRegistry.buildID(of: path), found ? id : nil, "note at \(offset)")
        }
        // A short ELF file without any note, and a file that is not ELF.
        let short = dir.file("short")
        try Data(elf(noteOffset: 512, id: [], size: 600).prefix(120)).write(to: URL(fileURLWithPath: short))
        XCTAssertNil(PluginRegistry.buildID(of: short))
    }
}
