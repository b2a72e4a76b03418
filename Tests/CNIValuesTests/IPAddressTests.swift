import CNIValues
import XCTest

final class IPAddressTests: XCTestCase {
    func testParsesAndFormatsIPv4() {
        XCTAssertEqual(IPAddress("10.244.1.2"), .v4(0x0AF4_0102))
        XCTAssertEqual(IPAddress("10.244.1.2")?.description, "10.244.1.2")
        XCTAssertEqual(IPAddress("0.0.0.0")?.description, "0.0.0.0")
        XCTAssertEqual(IPAddress("255.255.255.255")?.description, "255.255.255.255")
    }

    func testRejectsMalformedIPv4() {
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.4 ", "1.2.3.-4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testParsesAndFormatsIPv6LikeGo() {
        let cases: [(String, String)] = [
            ("::", "::"), ("::1", "::1"), ("fd00:1::2", "fd00:1::2"),
            ("FD00:0001:0000:0000:0000:0000:0000:0002", "fd00:1::2"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // first longest run wins
            ("2001:db8::", "2001:db8::"), ("fe80::1:2", "fe80::1:2"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"),
            ("::ffff:10.1.2.3", "::ffff:a01:203"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress(input)?.description, expected, input)
        }
    }

    func testRejectsMalformedIPv6() {
        for bad in [":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7", "::1%eth0", "1:2:3:4:5:6:7:8::"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testBytesRoundTrip() {
        for text in ["10.0.0.1", "fd00::abcd", "::", "255.0.0.255"] {
            let a = IPAddress(text)
            XCTAssertEqual(a.flatMap { IPAddress(bytes: $0.bytes) }, a)
        }
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
    }

    func testArithmeticStopsAtTheEdges() {
        XCTAssertEqual(IPAddress("10.0.0.255")?.next, IPAddress("10.0.1.0"))
        XCTAssertNil(IPAddress("255.255.255.255")?.next)
        XCTAssertNil(IPAddress("0.0.0.0")?.previous)
        XCTAssertNil(IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")?.next)
        XCTAssertEqual(IPAddress("fd00::ffff")?.next, IPAddress("fd00::1:0"))
        XCTAssertEqual(IPAddress("10.0.0.10")?.advanced(by: -10), IPAddress("10.0.0.0"))
    }

    func testClassification() {
        XCTAssertTrue(IPAddress("127.0.0.1")!.isLoopback)
        XCTAssertTrue(IPAddress("::1")!.isLoopback)
        XCTAssertTrue(IPAddress("fe80::1")!.isLinkLocalUnicast)
        XCTAssertTrue(IPAddress("10.244.1.2")!.isGlobalUnicast)
        XCTAssertFalse(IPAddress("224.0.0.1")!.isGlobalUnicast)
        XCTAssertLessThan(IPAddress("10.0.0.1")!, IPAddress("10.0.0.2")!)
    }

    func testNetworks() throws {
        let n = try XCTUnwrap(IPNetwork("10.244.1.1/24"))
        XCTAssertEqual(n.network.description, "10.244.1.0/24")
        XCTAssertEqual(n.firstHost?.description, "10.244.1.1")
        XCTAssertEqual(n.lastAddress.description, "10.244.1.255")
        XCTAssertTrue(n.contains(IPAddress("10.244.1.200")!))
        XCTAssertFalse(n.contains(IPAddress("10.244.2.1")!))
        XCTAssertFalse(n.contains(IPAddress("fd00::1")!))
        XCTAssertTrue(IPNetwork("10.244.0.0/16")!.overlaps(n))
        XCTAssertEqual(IPNetwork("fd00:1::5/64")?.network.description, "fd00:1::/64")
        XCTAssertEqual(IPNetwork("fd00:1::/64")?.lastAddress.description, "fd00:1::ffff:ffff:ffff:ffff")
        XCTAssertEqual(IPNetwork("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!), true)
        XCTAssertEqual(IPNetwork("10.0.0.0/8")?.maskBytes, [255, 0, 0, 0])
        for bad in ["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/08", "/24", "10.0.0.0/2 4"] {
            XCTAssertNil(IPNetwork(bad), bad)
        }
    }

    func testMAC() {
        XCTAssertEqual(MACAddress("0A:58:0A:F4:01:02")?.description, "0a:58:0a:f4:01:02")
        XCTAssertNil(MACAddress("0a:58:0a:f4:01"))
        XCTAssertNil(MACAddress("zz:58:0a:f4:01:02"))
        XCTAssertTrue(MACAddress("00:00:00:00:00:00")!.isZero)
    }
}
