import CNIProtocol
import CNIValues
import XCTest
@testable import BridgePlugin

/// Keys are matched as Go's encoding/json fills the reference's NetConf struct; DEL reads only
/// what it needs.
final class BridgeConfigKeyCaseTests: XCTestCase {
    private func object(_ json: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(json).objectValue)
    }

    func testMixedCaseKeysReadLikeTheReference() throws {
        let c = try BridgeConfig(json: object("""
            {"name":"n","type":"bridge","Bridge":"br9","IsGateway":true,"IPMASQ":true,"Mtu":1450,
             "hairpinmode":true,"IPAM":{"Type":"host-local"},"DNS":{"Nameservers":["10.96.0.10"],"Search":["svc"]},
             "RuntimeConfig":{"MAC":"0a:58:0a:f4:01:02"}}
            """))
        XCTAssertEqual(c.bridgeName, "br9")
        XCTAssertTrue(c.isGateway)
        XCTAssertTrue(c.ipMasq)
        XCTAssertEqual(c.mtu, 1450)
        XCTAssertTrue(c.hairpinMode)
        XCTAssertEqual(c.ipamType, "host-local")
        XCTAssertEqual(c.dns?.nameservers, ["10.96.0.10"])
        XCTAssertEqual(c.dns?.search, ["svc"])
        XCTAssertEqual(c.mac?.description, "0a:58:0a:f4:01:02")
    }

    func testBothSpellingsTheLastWins() throws {
        XCTAssertEqual(try BridgeConfig(json: object(#"{"mtu":1400,"MTU":1450}"#)).mtu, 1450)
        XCTAssertEqual(try BridgeConfig(json: object(#"{"MTU":1450,"mtu":1400}"#)).mtu, 1400)
    }

    func testDeleteConfigIgnoresWhatDeleteDoesNotNeed() throws {
        let o = try object("""
            {"name":"n","type":"bridge","ipMasq":true,"mtu":"big","vlan":99999,
             "runtimeConfig":{"mac":"not-a-mac"},"ipam":{"type":"host-local"}}
            """)
        XCTAssertThrowsError(try BridgeConfig(json: o))
        let c = BridgeConfig(deleting: o)
        XCTAssertTrue(c.ipMasq)
        XCTAssertEqual(c.ipamType, "host-local")
        XCTAssertEqual(c.bridgeName, "cni0")
        let wrongTypes = BridgeConfig(deleting: try object(#"{"ipMasq":"yes","ipam":[],"bridge":7}"#))
        XCTAssertFalse(wrongTypes.ipMasq)
        XCTAssertEqual(wrongTypes.ipamType, "")
    }
}
