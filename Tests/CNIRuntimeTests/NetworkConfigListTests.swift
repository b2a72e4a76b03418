import CNIProtocol
import CNIValues
import XCTest

@testable import CNIRuntime

final class NetworkConfigListTests: XCTestCase {
    let kubeFlannel = #"""
        {"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}
        """#

    func testInjectsNameVersionCapabilitiesAndPrevResult() throws {
        let list = try NetworkConfigList(bytes: Array(kubeFlannel.utf8))
        XCTAssertEqual(list.name, "cbr0")
        XCTAssertEqual(list.plugins.count, 2)
        let caps = try XCTUnwrap(JSONParser.parse(#"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{}}"#).objectValue)
        let first = try list.pluginConfig(0, capabilityArgs: caps, prevResult: nil)
        XCTAssertEqual(JSONSerializer.string(.object(first)),
                       #"{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true},"name":"cbr0","cniVersion":"0.3.1"}"#)
        let second = try list.pluginConfig(1, capabilityArgs: caps, prevResult: ["cniVersion": "0.3.1"])
        XCTAssertEqual(second["runtimeConfig"]?["portMappings"]?.arrayValue?.count, 1)
        XCTAssertNil(second["runtimeConfig"]?["bandwidth"], "only declared capabilities are passed")
        XCTAssertEqual(second["prevResult"]?["cniVersion"], "0.3.1")
    }

    func testPicksHighestSupportedFromCNIVersions() throws {
        let list = try NetworkConfigList(bytes: Array(#"{"name":"n","cniVersions":["0.3.1","1.1.0","9.9.9"],"plugins":[{"type":"bridge"}]}"#.utf8))
        XCTAssertEqual(list.cniVersion, "1.1.0")
    }

    func testSingleConfIsAListOfOne() throws {
        let list = try NetworkConfigList(bytes: Array(#"{"name":"n","cniVersion":"1.0.0","type":"bridge"}"#.utf8))
        XCTAssertEqual(list.plugins.count, 1)
    }

    func testRejectsBrokenLists() {
        for bad in ["", "[]", #"{"plugins":[{"type":"x"}]}"#, #"{"name":"n","plugins":[]}"#, #"{"name":"n","plugins":[{}]}"#,
                    #"{"name":"../n","plugins":[{"type":"x"}]}"#, #"{"name":"n"}"#] {
            XCTAssertThrowsError(try NetworkConfigList(bytes: Array(bad.utf8)), bad)
        }
    }
}
