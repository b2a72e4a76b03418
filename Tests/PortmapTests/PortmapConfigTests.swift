import CNIProtocol
import CNIValues
import XCTest
@testable import PortmapPlugin

final class PortmapConfigTests: XCTestCase {
    func config(_ json: String) throws -> PortmapConfig {
        let value = try JSONParser.parse(json)
        return try PortmapConfig(json: try XCTUnwrap(value.objectValue), network: "cbr0")
    }

    func error(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> CNIError? {
        do {
            _ = try config(json)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let e as CNIError {
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    func testDefaults() throws {
        let c = try config(#"{"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80}]}}"#)
        XCTAssertEqual(c.mappings, [PortMapping(hostPort: 8080, containerPort: 80, transport: .tcp)])
        XCTAssertTrue(c.snat)
        XCTAssertEqual(c.markMasqBit, 13)
        XCTAssertEqual(c.markDefinition, "0x2000/0x2000")
        XCTAssertNil(c.externalSetMarkChain)
        XCTAssertFalse(c.masqAll)
        XCTAssertNil(c.requestedBackend)
    }

    func testAllKeys() throws {
        let c = try config("""
        {"snat":false,"markMasqBit":0,"masqAll":true,"backend":"iptables","conditionsV4":["-d","1.2.3.4"],
         "conditionsV6":["!","-i","eth0"],
         "runtimeConfig":{"portMappings":[{"hostPort":53,"containerPort":5353,"protocol":"UDP","hostIP":"fd00::1"},
                                          {"hostPort":9,"containerPort":9,"protocol":"sctp","hostIP":""}]}}
        """)
        XCTAssertFalse(c.snat)
        XCTAssertTrue(c.masqAll)
        XCTAssertEqual(c.markDefinition, "0x1/0x1")
        XCTAssertEqual(c.requestedBackend, .iptables)
        XCTAssertEqual(c.conditions(for: .v4), ["-d", "1.2.3.4"])
        XCTAssertEqual(c.conditions(for: .v6), ["!", "-i", "eth0"])
        XCTAssertEqual(c.mappings, [PortMapping(hostPort: 53, containerPort: 5353, transport: .udp, hostIP: IPAddress("fd00::1")),
                                    PortMapping(hostPort: 9, containerPort: 9, transport: .sctp)])
        XCTAssertEqual(try config(#"{"markMasqBit":31}"#).markDefinition, "0x80000000/0x80000000")
    }

    func testReferenceErrors() {
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":0}]}}"#)?.msg,
                       "Invalid container port number: 0")
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":0}]}}"#)?.msg,
                       "Invalid container port number: 0")
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":-1,"containerPort":80}]}}"#)?.msg,
                       "Invalid host port number: -1")
        XCTAssertEqual(error(#"{"markMasqBit":32}"#)?.msg, "MasqMarkBit must be between 0 and 31")
        XCTAssertEqual(error(#"{"markMasqBit":-1}"#)?.msg, "MasqMarkBit must be between 0 and 31")
        XCTAssertEqual(error(#"{"markMasqBit":3,"externalSetMarkChain":"KUBE-MARK-MASQ"}"#)?.msg,
                       "Cannot specify externalSetMarkChain and markMasqBit")
        XCTAssertEqual(error(#"{"markMasqBit":3,"externalSetMarkChain":"KUBE-MARK-MASQ"}"#)?.code, 7)
    }

    func testInputsTheReferenceOnlyFailsOnLater() {
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":70000,"containerPort":80}]}}"#)?.msg,
                       "Invalid host port number: 70000")
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"bogus"}]}}"#)?.msg,
                       "Invalid protocol: bogus (must be tcp, udp or sctp)")
        XCTAssertEqual(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"hostIP":"bogus"}]}}"#)?.msg,
                       "Invalid host IP: bogus")
        XCTAssertNotNil(error(#"{"runtimeConfig":{"portMappings":[{"hostPort":"80","containerPort":80}]}}"#))
        XCTAssertNotNil(error(#"{"runtimeConfig":{"portMappings":{"hostPort":80}}}"#))
        XCTAssertNotNil(error(#"{"externalSetMarkChain":"X\n-A INPUT -j DROP"}"#))
        XCTAssertNotNil(error(#"{"externalSetMarkChain":"A B"}"#))
        XCTAssertNotNil(error(#"{"backend":"ebtables"}"#))
        XCTAssertNotNil(error(#"{"snat":"yes"}"#))
    }

    func testBackendOptionConflicts() {
        XCTAssertEqual(error(#"{"backend":"nftables","externalSetMarkChain":"KUBE-MARK-MASQ","conditionsV4":["-a","b"],"conditionsV6":["-c","d"]}"#)?.msg,
                       "nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain conditionsV4 conditionsV6]")
        XCTAssertEqual(error(#"{"backend":"iptables","conditionsV4":["aaa","bbbb"],"conditionsV6":["ccc"]}"#)?.msg,
                       "iptables backend was requested but configuration contains nftables-specific options [conditionsV4 conditionsV6]")
        XCTAssertNotNil(error(#"{"conditionsV4":["-d","1.2.3.4"],"conditionsV6":["ip6","daddr","::1"]}"#))
    }

    func testBackendResolution() throws {
        let plain = try config("{}")
        XCTAssertEqual(try plain.resolveBackend(iptablesUsable: true, nftablesUsable: true), .iptables)
        XCTAssertEqual(try plain.resolveBackend(iptablesUsable: false, nftablesUsable: true), .nftables)
        XCTAssertThrowsError(try plain.resolveBackend(iptablesUsable: false, nftablesUsable: false))
        XCTAssertEqual(try config(#"{"backend":"nftables"}"#).resolveBackend(iptablesUsable: true, nftablesUsable: true), .nftables)
        XCTAssertEqual(try config(#"{"conditionsV4":["ip","daddr","!=","1.2.3.4"]}"#)
            .resolveBackend(iptablesUsable: true, nftablesUsable: true), .nftables)
        XCTAssertEqual(try config(#"{"externalSetMarkChain":"KUBE-MARK-MASQ"}"#)
            .resolveBackend(iptablesUsable: false, nftablesUsable: true), .iptables)
        XCTAssertEqual(try config(#"{"conditionsV4":[]}"#).resolveBackend(iptablesUsable: true, nftablesUsable: true), .iptables)
    }

    func testPodAddressSelection() throws {
        let prev = try CNIResult(parsing: try JSONParser.parse("""
        {"cniVersion":"1.0.0",
         "interfaces":[{"name":"cni0","mac":"aa:bb:cc:dd:ee:ff"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/p"}],
         "ips":[{"interface":0,"address":"10.244.1.1/24"},
                {"interface":2,"address":"10.244.1.3/24"},
                {"interface":2,"address":"10.244.1.4/24"},
                {"address":"fd00::5/64"},
                {"interface":2,"address":"fd00::6/64"}]}
        """))
        let pod = PodAddresses(result: prev, ifname: "eth0")
        XCTAssertEqual(pod.v4, IPNetwork("10.244.1.3/24"))
        XCTAssertEqual(pod.v6, IPNetwork("fd00::5/64"))  // no interface index: taken
        XCTAssertEqual(PodAddresses(result: prev, ifname: "net1"), PodAddresses(v4: nil, v6: IPNetwork("fd00::5/64")))
        // An index past the interface list does not disqualify the address (as in the reference).
        let odd = try CNIResult(parsing: try JSONParser.parse(#"{"cniVersion":"1.0.0","ips":[{"interface":7,"address":"10.0.0.1/8"}]}"#))
        XCTAssertEqual(PodAddresses(result: odd, ifname: "eth0").v4, IPNetwork("10.0.0.1/8"))
    }
}
