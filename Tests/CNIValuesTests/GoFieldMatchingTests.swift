import CNIValues
import XCTest

/// `JSONObject.field(_:)` against what Go's encoding/json assigns to a struct field.
final class GoFieldMatchingTests: XCTestCase {
    func object(_ text: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(text).objectValue)
    }

    func testExactAndCaseInsensitiveKeys() throws {
        // go-cni's PortMapping has no JSON tags: containerd sends the Go field names.
        let o = try object(#"{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}"#)
        XCTAssertEqual(o.field("hostPort"), 8080)
        XCTAssertEqual(o.field("containerPort"), 80)
        XCTAssertEqual(o.field("protocol"), "tcp")
        XCTAssertEqual(o.field("hostIP"), "")
        XCTAssertEqual(o.field("HOSTPORT"), 8080)
        XCTAssertNil(o.field("hostPorts"))
        XCTAssertNil(o.field("hostPor"))
        // The subscript stays exact (Go maps).
        XCTAssertNil(o["hostPort"])
    }

    func testLastMatchingKeyWins() throws {
        // encoding/json assigns every matching key in document order: the last one stays.
        XCTAssertEqual(try object(#"{"hostPort":1,"HostPort":2}"#).field("hostPort"), 2)
        XCTAssertEqual(try object(#"{"HostPort":2,"hostPort":1}"#).field("hostPort"), 1)
        XCTAssertEqual(try object(#"{"mtu":1450,"MTU":null}"#).field("mtu"), .null)
    }

    func testMatchingObjectsMerge() throws {
        // A second object decoded into the same struct field fills it further; a later key wins.
        let o = try object(#"{"ipam":{"type":"host-local","dataDir":"/a"},"IPAM":{"dataDir":"/b"}}"#)
        let ipam = try XCTUnwrap(o.field("ipam")?.objectValue)
        XCTAssertEqual(ipam.field("type"), "host-local")
        XCTAssertEqual(ipam.field("dataDir"), "/b")
        // An array or scalar after an object replaces it.
        XCTAssertEqual(try object(#"{"dns":{"domain":"x"},"DNS":[1]}"#).field("dns"), [1])
    }

    func testUnicodeSimpleFolding() throws {
        // bytes.EqualFold: U+212A KELVIN SIGN folds to k, U+017F LONG S to s.
        let o = try object("{\"\u{212A}ind\":1,\"\u{017F}ubnet\":\"10.0.0.0/8\"}")
        XCTAssertEqual(o.field("kind"), 1)
        XCTAssertEqual(o.field("subnet"), "10.0.0.0/8")
        XCTAssertTrue(JSONObject.goFieldMatches(key: "IsGateway", fieldName: "isGateway"))
        XCTAssertFalse(JSONObject.goFieldMatches(key: "isGatewa", fieldName: "isGateway"))
        XCTAssertFalse(JSONObject.goFieldMatches(key: "ïsGateway", fieldName: "isGateway"))
        XCTAssertFalse(JSONObject.goFieldMatches(key: "is_gateway", fieldName: "isGateway"))
        XCTAssertFalse(JSONObject.goFieldMatches(key: "", fieldName: "a"))
        XCTAssertTrue(JSONObject.goFieldMatches(key: "cni.dev/Valid-Attachments", fieldName: "cni.dev/valid-attachments"))
    }

    func testUnknownKeysSurviveUntouched() throws {
        let text = #"{"HostPort":8080,"Extra":{"A":1},"hostport":9}"#
        let o = try object(text)
        XCTAssertEqual(o.field("hostPort"), 9)
        XCTAssertEqual(JSONSerializer.string(.object(o)), text)
    }
}
