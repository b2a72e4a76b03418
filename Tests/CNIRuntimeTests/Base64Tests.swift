import XCTest
@testable import CNIRuntime

/// libcni's cache stores the network config as standard base64 with padding (Go's
/// `encoding/json` on a `[]byte`); a wrong byte here makes `cni-exec` caches unreadable to libcni.
final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        // RFC 4648, section 10: every padding case.
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, "base64(\"\(plain)\")")
        }
    }

    func testEveryAlphabetEntry() {
        // 0x00 0x10 0x83 0x10 0x51 0x87 … walks the 6-bit values 0…63 in order.
        var bytes: [UInt8] = []
        for group in stride(from: 0, to: 64, by: 4) {
            let n = UInt32(group) << 18 | UInt32(group + 1) << 12 | UInt32(group + 2) << 6 | UInt32(group + 3)
            bytes += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        }
        XCTAssertEqual(Base64.encode(bytes), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        XCTAssertEqual(Base64.encode([0xFF, 0xFF, 0xFE]), "///+")
    }
}
