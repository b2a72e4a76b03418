import CNIProtocol
import CNIValues
import XCTest

/// The reserved keys and `prevResult` are types.NetConf struct fields: matched as encoding/json does.
final class NetworkConfigKeyCaseTests: XCTestCase {
    private func config(_ text: String, deleting: Bool = false) throws -> NetworkConfig {
        try NetworkConfig(bytes: Array(text.utf8), deleting: deleting)
    }

    func testReservedKeysAndPrevResultInMixedCase() throws {
        let c = try config("""
            {"CNIVersion":"1.0.0","Name":"cbr0","Type":"portmap","RuntimeConfig":{"portMappings":[]},
             "Args":{"Cni":{"ips":["10.1.0.5"]}},
             "PrevResult":{"CNIVersion":"1.0.0","Interfaces":[{"Name":"eth0","Sandbox":"/run/netns/p"}],
                           "IPs":[{"Address":"10.1.0.5/24","Gateway":"10.1.0.1","Interface":0}],
                           "Routes":[{"Dst":"0.0.0.0/0"}],"DNS":{"Nameservers":["10.96.0.10"]}}}
            """)
        XCTAssertEqual(c.name, "cbr0")
        XCTAssertEqual(c.type, "portmap")
        XCTAssertEqual(c.versionString, "1.0.0")
        XCTAssertNotNil(c.runtimeConfig)
        XCTAssertEqual(c.cniArg("ips"), ["10.1.0.5"])
        let r = try XCTUnwrap(try c.previousResult())
        XCTAssertEqual(r.interfaces.first?.name, "eth0")
        XCTAssertEqual(r.ips.first?.address.description, "10.1.0.5/24")
        XCTAssertEqual(r.ips.first?.gateway?.description, "10.1.0.1")
        XCTAssertEqual(r.routes.first?.destination.description, "0.0.0.0/0")
        XCTAssertEqual(r.dns.nameservers, ["10.96.0.10"])
    }

    func testWronglyTypedReservedKeysFailOnlyOutsideDelete() throws {
        let text = #"{"cniVersion":"1.0.0","name":"cbr0","type":"portmap","runtimeConfig":"x","args":{"cni":7}}"#
        XCTAssertThrowsError(try config(text))
        let del = try config(text, deleting: true)
        XCTAssertNil(del.runtimeConfig)
        XCTAssertNil(del.cniArg("ips"))
    }
}
