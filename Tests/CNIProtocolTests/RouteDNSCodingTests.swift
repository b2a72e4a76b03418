import CNIProtocol
import CNIValues
import XCTest

/// The shared route/DNS coding used by results, host-local's routes, flannel's delegate and bridge's dns.
final class RouteDNSCodingTests: XCTestCase {
    private func object(_ text: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(text).objectValue)
    }

    func testRouteRoundTripDropsZeroOmitemptyFields() throws {
        let r = try XCTUnwrap(try CNIResult.Route(json: object(
            #"{"dst":"10.1.2.3/16","gw":"10.1.0.1","mtu":0,"advmss":1400,"priority":0,"table":0,"scope":0,"x":1}"#)))
        XCTAssertEqual(r.destination.description, "10.1.2.3/16", "host bits kept")
        XCTAssertEqual(JSONSerializer.string(r.json(extended: true)),
                       #"{"dst":"10.1.2.3/16","gw":"10.1.0.1","advmss":1400,"table":0,"scope":0}"#)
        XCTAssertEqual(JSONSerializer.string(r.json(extended: false)), #"{"dst":"10.1.2.3/16","gw":"10.1.0.1"}"#)
    }

    func testRouteWithoutDstIsNilAndBadFieldsThrow() throws {
        XCTAssertNil(try CNIResult.Route(json: object(#"{"gw":"10.1.0.1"}"#)))
        XCTAssertThrowsError(try CNIResult.Route(json: object(#"{"dst":"10.0.0.0/8","mtu":"1400"}"#)))
        XCTAssertThrowsError(try CNIResult.Route(json: object(#"{"dst":"10.0.0.0"}"#)))
    }

    func testDNSAndWhetherItIsSet() throws {
        let given = try object(#"{"nameservers":["10.96.0.10"],"search":["svc"],"domain":""}"#)
        let dns = try CNIResult.DNS(json: given)
        XCTAssertEqual(dns, CNIResult.DNS(nameservers: ["10.96.0.10"], search: ["svc"]))
        XCTAssertEqual(JSONSerializer.string(dns.json), #"{"nameservers":["10.96.0.10"],"search":["svc"]}"#)
        XCTAssertTrue(CNIResult.DNS.isSet(in: given))
        XCTAssertTrue(CNIResult.DNS.isSet(in: try object(#"{"options":[]}"#)), "an empty list is still given (Go: non-nil slice)")
        XCTAssertFalse(CNIResult.DNS.isSet(in: try object(#"{"domain":"","nameservers":null}"#)))
    }
}
