import CNIProtocol
import CNIValues
import XCTest
@testable import PortmapPlugin

/// What containerd's CRI plugin really sends (go-cni marshals its PortMapping struct, which has
/// no JSON tags), and DEL's tolerance of mappings it does not need.
final class PortmapKeyCaseTests: XCTestCase {
    /// The portmap config containerd 1.6 passes for kube-flannel's conflist (traced).
    static let containerdConfig = """
        {"capabilities":{"portMappings":true},"cniVersion":"0.3.1","name":"cbr0",\
        "prevResult":{"cniVersion":"0.3.1","interfaces":[{"name":"cni0","mac":"3a:1c:4d:9e:10:01"},\
        {"name":"veth1a2b3c4d","mac":"6e:00:11:22:33:44"},{"name":"eth0","mac":"0a:58:0a:f4:01:05","sandbox":"/var/run/netns/cni-1234"}],\
        "ips":[{"version":"4","interface":2,"address":"10.244.1.5/24","gateway":"10.244.1.1"}],\
        "routes":[{"dst":"10.244.0.0/16"},{"dst":"0.0.0.0/0","gw":"10.244.1.1"}],"dns":{}},\
        "runtimeConfig":{"portMappings":[{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]},\
        "type":"portmap"}
        """

    func testContainerdPayload() throws {
        let config = try NetworkConfig(bytes: Array(Self.containerdConfig.utf8))
        let c = try PortmapConfig(config)
        XCTAssertEqual(c.mappings, [PortMapping(hostPort: 8080, containerPort: 80, transport: .tcp)])
        XCTAssertTrue(c.declaresMappings)
        let previous = try XCTUnwrap(try config.previousResult())
        XCTAssertEqual(previous.ips.first?.address.description, "10.244.1.5/24")
    }

    func testMixedCaseTopLevelKeys() throws {
        let c = try PortmapConfig(json: try XCTUnwrap(try JSONParser.parse("""
            {"SNAT":false,"MarkMasqBit":5,"Backend":"nftables",
             "RuntimeConfig":{"PortMappings":[{"hostport":53,"containerport":5353,"PROTOCOL":"udp","hostIp":"10.0.0.1"}]}}
            """).objectValue), network: "cbr0")
        XCTAssertFalse(c.snat)
        XCTAssertEqual(c.markMasqBit, 5)
        XCTAssertEqual(c.requestedBackend, .nftables)
        XCTAssertEqual(c.mappings, [PortMapping(hostPort: 53, containerPort: 5353, transport: .udp, hostIP: IPAddress("10.0.0.1"))])
    }

    func testDeleteKeepsGoingPastGarbageMappings() throws {
        let o = try XCTUnwrap(try JSONParser.parse("""
            {"markMasqBit":99,"runtimeConfig":{"portMappings":[{"HostPort":8080,"ContainerPort":0},"x",
             {"hostPort":9090,"containerPort":90}]}}
            """).objectValue)
        XCTAssertThrowsError(try PortmapConfig(json: o, network: "cbr0"))
        let c = PortmapConfig(deleting: o, network: "cbr0")
        XCTAssertTrue(c.declaresMappings)
        XCTAssertEqual(c.mappings, [PortMapping(hostPort: 9090, containerPort: 90)])
        XCTAssertEqual(c.network, "cbr0")
        let none = PortmapConfig(deleting: try XCTUnwrap(try JSONParser.parse(#"{"runtimeConfig":{"portMappings":"x"}}"#).objectValue),
                                 network: "cbr0")
        XCTAssertFalse(none.declaresMappings)
    }
}
