import CNIProtocol
import CNIValues
import XCTest

@testable import HostLocalPlugin

/// Config decoding and validation: defaults, legacy form, runtime ranges, and the reference's texts.
final class HostLocalConfigTests: XCTestCase {
    static func netConfig(ipam: String, version: String = "1.0.0", extra: String = "") throws -> NetworkConfig {
        let text = #"{"cniVersion":"\#(version)","name":"net1","type":"host-local"\#(extra),"ipam":\#(ipam)}"#
        return try NetworkConfig(bytes: Array(text.utf8))
    }

    static func decode(_ ipam: String, version: String = "1.0.0", extra: String = "", args: String = "") throws -> HostLocalConfig {
        try HostLocalConfig(config: netConfig(ipam: ipam, version: version, extra: extra),
                            environmentArgs: CNIArgs(parsing: args))
    }

    private func assertError(_ ipam: String, _ message: String, version: String = "1.0.0", extra: String = "",
                             args: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Self.decode(ipam, version: version, extra: extra, args: args), file: file, line: line) { error in
            XCTAssertEqual((error as? CNIError)?.msg, message, file: file, line: line)
        }
    }

    func testDefaultsForIPv4AndIPv6() throws {
        let c = try Self.decode(#"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00:1::/64"}]]}"#)
        XCTAssertEqual(c.rangeSets.count, 2)
        let v4 = try XCTUnwrap(c.rangeSets.first?.ranges.first)
        XCTAssertEqual(v4.start.description, "10.1.0.1")
        XCTAssertEqual(v4.end.description, "10.1.0.254", "IPv4 excludes broadcast")
        XCTAssertEqual(v4.gateway.description, "10.1.0.1")
        let v6 = try XCTUnwrap(c.rangeSets.last?.ranges.first)
        XCTAssertEqual(v6.start.description, "fd00:1::1")
        XCTAssertEqual(v6.end.description, "fd00:1::ffff:ffff:ffff:ffff")
        XCTAssertEqual(c.rangeSets.map(\.description), ["10.1.0.1-10.1.0.254", "fd00:1::1-fd00:1::ffff:ffff:ffff:ffff"])
        XCTAssertEqual(c.storeDirectory, "/var/lib/cni/networks/net1")
        XCTAssertTrue(c.requestedIPs.isEmpty)
        XCTAssertNil(c.resolvConf)
    }

    func testExplicitBoundsGatewayRoutesDataDir() throws {
        let c = try Self.decode(#"""
            {"type":"host-local","dataDir":"/tmp/x/","resolvConf":"/etc/r",
             "ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"10.1.0.10","rangeEnd":"10.1.0.20","gateway":"10.1.0.254"}]],
             "routes":[{"dst":"0.0.0.0/0"},{"dst":"10.9.0.0/16","gw":"10.1.0.3"}]}
            """#)
        let r = try XCTUnwrap(c.rangeSets.first?.ranges.first)
        XCTAssertEqual("\(r.start) \(r.end) \(r.gateway)", "10.1.0.10 10.1.0.20 10.1.0.254")
        XCTAssertEqual(c.routes.map { "\($0.destination) \($0.gateway?.description ?? "-")" }, ["0.0.0.0/0 -", "10.9.0.0/16 10.1.0.3"])
        XCTAssertEqual(c.storeDirectory, "/tmp/x/net1")
        XCTAssertEqual(c.resolvConf, "/etc/r")
    }

    func testLegacyRangeAndRuntimeRangesArePrepended() throws {
        let c = try Self.decode(#"""
            {"type":"host-local","subnet":"10.2.0.0/24","rangeStart":"10.2.0.50","gateway":"10.2.0.254",
             "ranges":[[{"subnet":"10.3.0.0/24"}]]}
            """#, extra: #","runtimeConfig":{"ipRanges":[[{"subnet":"fd00::/120"}]]}"#)
        XCTAssertEqual(c.rangeSets.map(\.description), ["fd00::1-fd00::ff", "10.2.0.50-10.2.0.254", "10.3.0.1-10.3.0.254"])
        XCTAssertEqual(c.rangeSets[1].ranges.first?.gateway.description, "10.2.0.254")
        // The legacy form alone.
        let legacy = try Self.decode(#"{"type":"host-local","subnet":"10.2.0.0/16"}"#)
        XCTAssertEqual(legacy.rangeSets.map(\.description), ["10.2.0.1-10.2.255.254"])
    }

    func testRequestedIPsFromAllThreeSources() throws {
        let c = try Self.decode(#"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}"#,
                                extra: #","args":{"cni":{"ips":["10.1.0.7/24","fd00::7"]}},"runtimeConfig":{"ips":["10.1.0.8"]}"#,
                                args: "IgnoreUnknown=1;IP=10.1.0.5/24")
        XCTAssertEqual(c.requestedIPs.map(\.description), ["10.1.0.5", "10.1.0.7", "fd00::7", "10.1.0.8"])
        let mapped = try Self.decode(#"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}"#, args: "IP=::ffff:10.1.0.9")
        XCTAssertEqual(mapped.requestedIPs, [IPAddress("10.1.0.9")].compactMap { $0 }, "IPv4-mapped addresses become IPv4")
    }

    func testValidationErrorsMatchTheReference() {
        let d = #""type":"host-local""#
        assertError("{\(d)}", "no IP ranges specified")
        assertError(#"{\#(d),"ranges":[]}"#, "no IP ranges specified")
        assertError(#"{\#(d),"ranges":[[]]}"#, "invalid range set 0: empty range set")
        assertError(#"{\#(d),"subnet":"10.1.0.5/24"}"#,
                    "invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0")
        assertError(#"{\#(d),"subnet":"10.1.0.0/31"}"#, "invalid range set 0: Network 10.1.0.0/31 too small to allocate from")
        assertError(#"{\#(d),"subnet":"fd00::/127"}"#, "invalid range set 0: Network fd00::/127 too small to allocate from")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"10.2.0.1"}]]}"#,
                    "invalid range set 0: RangeStart 10.2.0.1 not in network 10.1.0.0/24")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24","rangeEnd":"10.2.0.1"}]]}"#,
                    "invalid range set 0: RangeEnd 10.2.0.1 not in network 10.1.0.0/24")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"10.1.0.20","rangeEnd":"10.1.0.10"}]]}"#,
                    "invalid range set 0: RangeStart 10.1.0.20 not in network 10.1.0.0/24")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"fd00::1"}]]}"#,
                    "invalid range set 0: RangeStart fd00::1 not in network 10.1.0.0/24")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24"},{"subnet":"fd00::/64"}]]}"#,
                    "invalid range set 0: mixed address families")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24"},{"subnet":"10.1.0.0/25"}]]}"#,
                    "invalid range set 0: subnets 10.1.0.1-10.1.0.254 and 10.1.0.1-10.1.0.126 overlap")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.1.0.0/25"}]]}"#,
                    "range set 1 overlaps with 2")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]]}"#,
                    "CNI version 0.2.0 does not support more than 1 address per family", version: "0.2.0")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0"}]]}"#, "invalid range set 0: invalid CIDR address: 10.1.0.0")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"bogus"}]]}"#, "invalid range set 0: invalid IP address: bogus")
        assertError(#"{\#(d),"ranges":[[{"rangeStart":"10.1.0.1"}]]}"#, "invalid range set 0: range has no subnet")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24"}]]}"#,
                    #"ARGS: error parsing value of pair "IP=bogus": invalid IP address bogus"#, args: "IP=bogus")
        assertError(#"{\#(d),"ranges":[[{"subnet":"10.1.0.0/24"}]]}"#, "invalid IP address bogus",
                    extra: #","args":{"cni":{"ips":["bogus"]}}"#)
        XCTAssertThrowsError(try HostLocalConfig(config: NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"n","type":"host-local"}"#.utf8)))) {
            XCTAssertEqual(($0 as? CNIError)?.msg, "IPAM config missing 'ipam' key")
        }
    }

    func testDualStackIsFineAtOldVersionsWithOneRangePerFamily() throws {
        let c = try Self.decode(#"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00::/64"}]]}"#, version: "0.2.0")
        XCTAssertEqual(c.rangeSets.count, 2)
    }

    func testStoreDirectoryNeedsOnlyTheIpamSection() throws {
        // DEL/GC/STATUS work without ranges (they may have come from a runtime capability).
        let config = try Self.netConfig(ipam: #"{"type":"host-local","dataDir":"/tmp/hl"}"#)
        XCTAssertEqual(try HostLocalConfig.storeDirectory(config: config), "/tmp/hl/net1")
    }
}
