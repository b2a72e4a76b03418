import CNITestSupport
import Foundation
import XCTest
@testable import CNISystem

/// The one read loop of files and stdin: small first read, growing chunks, limit, no zero fill.
final class ReadToEndTests: XCTestCase {
    private func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    func testFilesOfEverySizeAroundTheChunkBoundariesReadWhole() throws {
        let dir = try TemporaryDirectory()
        for size in [0, 1, 37, 4095, 4096, 4097, 8192, 12_289, 70_000, 200_001] {
            let path = dir.file("f\(size)")
            let content = bytes(size)
            try Data(content).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try FileSystem.readFile(path), content, "size \(size)")
        }
    }

    func testLimitIsExactAndSmallLimitsStillReadTheWholeAllowedFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("f")
        try Data(bytes(256)).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try FileSystem.readFile(path, limit: 256).count, 256)
        XCTAssertThrowsError(try FileSystem.readFile(path, limit: 255)) {
            XCTAssertEqual(($0 as? SystemError)?.errno, .fileTooLarge)
        }
        try Data(bytes(10_000)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FileSystem.readFile(path, limit: 9_999)) {
            XCTAssertEqual(($0 as? SystemError)?.errno, .fileTooLarge)
        }
        XCTAssertEqual(try FileSystem.readFile(path, limit: 10_000), bytes(10_000))
    }

    func testProcSysValueReads() throws {
        let id = try FileSystem.readFile(BootID.procPath, limit: 256)
        XCTAssertEqual(id.count, 37)  // a UUID and a newline
        XCTAssertEqual(BootID.current(), String(decoding: id.dropLast(), as: UTF8.self))
        XCTAssertEqual(BootID.current(), BootID.current())
    }

    func testStandardInputReadsPastTheFirstChunk() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("stdin")
        let content = bytes(100_000)
        try Data(content).write(to: URL(fileURLWithPath: path))
        let fd = try FileDescriptor.open(path, flags: O_RDONLY)
        XCTAssertEqual(try StandardIO.readAll(fd: fd.rawValue, limit: 1 << 20), content)
    }

    func testWhitespaceRemovalMatchesCharacterFiltering() {
        for text in ["6c6f273b-4a87-42d9-a49e-32f83ed6bf25\n", " a\tb\r\nc \u{0B}\u{0C}", "", "\n\n", "x\u{00A0}y\u{2028}z\n", "é \n"] {
            XCTAssertEqual(BootID.withoutWhitespace(Array(text.utf8)), text.filter { !$0.isWhitespace }, text.debugDescription)
        }
    }

    func testReadPrefixStopsAtTheFileEnd() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p")
        try Data(bytes(5000)).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try FileProbe.readPrefix(path, count: 4096), Array(bytes(5000).prefix(4096)))
        XCTAssertEqual(try FileProbe.readPrefix(path, count: 65536), bytes(5000))
    }
}
