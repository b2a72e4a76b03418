import CNIValues
import Glibc
import XCTest

/// `e_machine` read from hand-built headers in both byte orders and classes, and this build's own.
final class ELFMachineTests: XCTestCase {
    func header(machine: UInt16, is64: Bool, bigEndian: Bool) -> [UInt8] {
        var bytes = ELFBuildIDTests.image(is64: is64, bigEndian: bigEndian, notes: [])
        let hi = UInt8(machine >> 8), lo = UInt8(machine & 0xFF)
        bytes[0x12] = bigEndian ? hi : lo
        bytes[0x13] = bigEndian ? lo : hi
        return bytes
    }

    func testReadsEMachineInEveryClassAndByteOrder() {
        for (is64, big) in [(true, false), (false, true), (true, true), (false, false)] {
            XCTAssertEqual(ELFMachine.parse(header(machine: 183, is64: is64, bigEndian: big)), .aarch64, "is64 \(is64) bigEndian \(big)")
            XCTAssertEqual(ELFMachine.parse(header(machine: 62, is64: is64, bigEndian: big)), .x86_64, "is64 \(is64) bigEndian \(big)")
        }
        XCTAssertEqual(ELFMachine.parse(header(machine: 243, is64: true, bigEndian: false))?.description, "e_machine 243")
        XCTAssertEqual(ELFMachine.aarch64.description, "aarch64")
    }

    func testNotELFIsNil() {
        XCTAssertNil(ELFMachine.parse(Array("#!/bin/sh\nexit 0\n".utf8) + [UInt8](repeating: 0, count: 64)))
        XCTAssertNil(ELFMachine.parse([0x7F, 0x45, 0x4C, 0x46, 2, 1]))
        var badClass = header(machine: 62, is64: true, bigEndian: false)
        badClass[4] = 3
        XCTAssertNil(ELFMachine.parse(badClass))
    }

    /// The running test binary's own header names the architecture it was compiled for.
    func testThisExecutableIsTheCurrentMachine() throws {
        let current = try XCTUnwrap(ELFMachine.current, "an architecture the suite does not build for")
        let fd = open("/proc/self/exe", O_RDONLY)
        try XCTSkipIf(fd < 0, "/proc/self/exe unreadable")
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        XCTAssertEqual(n, 64)
        XCTAssertEqual(ELFMachine.parse(bytes), current)
    }
}
