import CNIProtocol
import CNIValues
import XCTest

final class ResultVersionTests: XCTestCase {
    private func add(version: String) -> JSONValue? {
        var inv = Invocation()
        inv.stdin = #"{"cniVersion":"\#(version)","name":"cbr0","type":"fake"}"#
        let r = inv.run()
        XCTAssertEqual(r.code, 0, r.out)
        return r.json
    }

    func testLegacyShapes() throws {
        for version in ["0.1.0", "0.2.0"] {
            let j = try XCTUnwrap(add(version: version))
            XCTAssertEqual(j["cniVersion"]?.stringValue, version)
            XCTAssertEqual(j["ip4"]?["ip"], "10.244.1.2/24")
            XCTAssertEqual(j["ip4"]?["gateway"], "10.244.1.1")
            XCTAssertEqual(j["ip4"]?["routes"]?.arrayValue?.count, 2)
            XCTAssertEqual(j["ip6"]?["ip"], "fd00:1::2/64")
            XCTAssertEqual(j["ip6"]?["routes"]?.arrayValue?.count, 1)
            XCTAssertNil(j["interfaces"])
            XCTAssertNil(j["ips"])
            XCTAssertNil(j["ip4"]?["routes"]?.arrayValue?[1]["mtu"], "no route mtu before 1.1.0")
        }
    }

    func testMissingVersionMeansZeroOneZero() throws {
        var inv = Invocation()
        inv.stdin = #"{"name":"cbr0","type":"fake"}"#
        let j = try XCTUnwrap(inv.run().json)
        XCTAssertEqual(j["cniVersion"], "0.1.0")
        XCTAssertNotNil(j["ip4"])
    }

    func testZeroThreeAndZeroFourCarryIPVersion() throws {
        for version in ["0.3.0", "0.3.1", "0.4.0"] {
            let j = try XCTUnwrap(add(version: version))
            let ips = try XCTUnwrap(j["ips"]?.arrayValue)
            XCTAssertEqual(ips.count, 3)
            XCTAssertEqual(ips[0]["version"], "4")
            XCTAssertEqual(ips[1]["version"], "6")
            XCTAssertEqual(ips[0]["interface"], 1)
            XCTAssertNil(j["interfaces"]?.arrayValue?[1]["mtu"])
        }
    }

    func testOneZeroAndOneOne() throws {
        let j10 = try XCTUnwrap(add(version: "1.0.0"))
        XCTAssertNil(j10["ips"]?.arrayValue?[0]["version"])
        XCTAssertNil(j10["interfaces"]?.arrayValue?[1]["mtu"])
        XCTAssertNil(j10["routes"]?.arrayValue?[1]["mtu"])
        XCTAssertEqual(j10["dns"]?["nameservers"], ["10.96.0.10"])
        let j11 = try XCTUnwrap(add(version: "1.1.0"))
        XCTAssertEqual(j11["interfaces"]?.arrayValue?[1]["mtu"], 1450)
        XCTAssertEqual(j11["routes"]?.arrayValue?[1]["mtu"], 1400)
        XCTAssertEqual(JSONSerializer.string(try XCTUnwrap(j11["ips"]?.arrayValue?[0])),
                       #"{"interface":1,"address":"10.244.1.2/24","gateway":"10.244.1.1"}"#)
    }

    func testRoundTripThroughEveryVersion() throws {
        for version in ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] {
            let json = try FakePlugin.result.json(version: version)
            var back = try CNIResult(parsing: json)
            var expected = FakePlugin.result
            if version != "1.1.0" {  // fields that older versions cannot carry
                expected.interfaces[1].mtu = nil
                expected.routes[1].mtu = nil
            }
            back.dns = expected.dns
            XCTAssertEqual(back, expected, version)
        }
        let legacy = try CNIResult(parsing: try FakePlugin.result.json(version: "0.2.0"))
        XCTAssertEqual(legacy.ips.map(\.address.description), ["10.244.1.2/24", "fd00:1::2/64"])
        XCTAssertEqual(legacy.routes.count, 3)
    }

    func testLegacyConversionNeedsAnIP() {
        XCTAssertThrowsError(try CNIResult().json(version: "0.2.0")) { e in
            XCTAssertEqual((e as? CNIError)?.msg, "cannot convert: no valid IP addresses")
        }
        XCTAssertNoThrow(try CNIResult().json(version: "1.0.0"))
    }

    func testPrevResultIsUpConvertedAndTakesConfigVersion() throws {
        let config = try NetworkConfig(bytes: Array(#"""
            {"cniVersion":"0.2.0","name":"n","prevResult":{"ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]}}}
            """#.utf8))
        let prev = try XCTUnwrap(try config.previousResult())
        XCTAssertEqual(prev.ips.first?.address.description, "10.1.0.5/16")
        XCTAssertEqual(prev.routes.first?.destination.description, "0.0.0.0/0")
    }

    func testValidAttachments() throws {
        let config = try NetworkConfig(bytes: Array(#"""
            {"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]}
            """#.utf8))
        XCTAssertEqual(try config.validAttachments(), [Attachment(containerID: "a", ifname: "eth0")])
        let bad = try NetworkConfig(bytes: Array(#"{"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"x":1}]}"#.utf8))
        XCTAssertThrowsError(try bad.validAttachments())
    }
}
