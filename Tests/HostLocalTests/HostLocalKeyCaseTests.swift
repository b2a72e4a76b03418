import CNIProtocol
import CNIValues
import XCTest

@testable import HostLocalPlugin

/// host-local's IPAMConfig, Range and Route structs read mixed-case keys as encoding/json does.
final class HostLocalKeyCaseTests: XCTestCase {
    func testMixedCaseIPAMRangesRoutesAndRequestedIPs() throws {
        let text = """
            {"cniVersion":"1.0.0","name":"net1","type":"host-local",
             "Args":{"CNI":{"IPs":["10.1.0.9"]}},
             "RuntimeConfig":{"IPs":["fd00:1::9"]},
             "IPAM":{"Type":"host-local","DataDir":"/tmp/hl-case",
                     "Ranges":[[{"Subnet":"10.1.0.0/24","RangeStart":"10.1.0.5","RangeEnd":"10.1.0.20","Gateway":"10.1.0.1"}],
                               [{"SUBNET":"fd00:1::/64"}]],
                     "Routes":[{"Dst":"0.0.0.0/0","GW":"10.1.0.1"}]}}
            """
        let c = try HostLocalConfig(config: NetworkConfig(bytes: Array(text.utf8)))
        XCTAssertEqual(c.storeDirectory, "/tmp/hl-case/net1")
        XCTAssertEqual(c.rangeSets.count, 2)
        let v4 = try XCTUnwrap(c.rangeSets.first?.ranges.first)
        XCTAssertEqual(v4.start.description, "10.1.0.5")
        XCTAssertEqual(v4.end.description, "10.1.0.20")
        XCTAssertEqual(v4.gateway.description, "10.1.0.1")
        XCTAssertEqual(c.routes.first?.destination.description, "0.0.0.0/0")
        XCTAssertEqual(c.routes.first?.gateway?.description, "10.1.0.1")
        XCTAssertEqual(c.requestedIPs.map(\.description), ["10.1.0.9", "fd00:1::9"])
    }

    func testIPRangesCapabilityInGoFieldNames() throws {
        let text = #"{"cniVersion":"1.0.0","name":"net1","type":"host-local","runtimeConfig":{"IPRanges":[[{"Subnet":"10.3.0.0/24","Gateway":"10.3.0.254"}]]},"ipam":{"type":"host-local"}}"#
        let c = try HostLocalConfig(config: NetworkConfig(bytes: Array(text.utf8)))
        XCTAssertEqual(c.rangeSets.first?.ranges.first?.subnet.description, "10.3.0.0/24")
        XCTAssertEqual(c.rangeSets.first?.ranges.first?.gateway.description, "10.3.0.254")
    }

    func testLegacyTopLevelRangeInMixedCase() throws {
        let text = #"{"cniVersion":"0.3.1","name":"net1","type":"host-local","ipam":{"type":"host-local","Subnet":"10.2.0.0/24","rangeStart":"10.2.0.50"}}"#
        let c = try HostLocalConfig(config: NetworkConfig(bytes: Array(text.utf8)))
        XCTAssertEqual(c.rangeSets.first?.ranges.first?.start.description, "10.2.0.50")
    }
}
