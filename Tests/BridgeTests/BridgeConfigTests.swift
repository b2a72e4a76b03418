import CNIProtocol
import CNIValues
import XCTest
@testable import BridgePlugin

final class BridgeConfigTests: XCTestCase {
    private func parse(_ json: String, mac: String? = nil) throws -> BridgeConfig {
        guard let o = try JSONParser.parse(json).objectValue else { throw CNIError.invalidConfig("not an object") }
        return try BridgeConfig(json: o, cniArgsMAC: mac)
    }

    private func error(_ json: String, mac: String? = nil) -> CNIError? {
        do {
            _ = try parse(json, mac: mac)
            return nil
        } catch let e as CNIError {
            return e
        } catch {
            return CNIError.from(error)
        }
    }

    func testDefaultsMatchTheReference() throws {
        let c = try parse(#"{"name":"n","type":"bridge"}"#)
        XCTAssertEqual(c.bridgeName, "cni0")
        XCTAssertFalse(c.isGateway)
        XCTAssertFalse(c.isDefaultGateway)
        XCTAssertFalse(c.ipMasq)
        XCTAssertNil(c.ipMasqBackend)
        XCTAssertEqual(c.mtu, 0)
        XCTAssertEqual(c.vlan, 0)
        XCTAssertFalse(c.vlanFiltering)
        XCTAssertFalse(c.preserveDefaultVlan, "upstream default since v1.8.0")
        XCTAssertFalse(c.isLayer3)
        XCTAssertNil(c.mac)
        XCTAssertNil(c.dns)
    }

    func testEveryKeyIsRead() throws {
        let c = try parse("""
            {"name":"n","type":"bridge","bridge":"br-x","isGateway":false,"isDefaultGateway":true,"forceAddress":true,
             "ipMasq":true,"ipMasqBackend":"nftables","mtu":1450,"hairpinMode":true,"vlan":0,
             "vlanTrunk":[{"id":5},{"minID":10,"maxID":12},{"id":11}],"preserveDefaultVlan":true,"enabledad":true,
             "macspoofchk":true,"portIsolation":true,"ipam":{"type":"host-local"},
             "dns":{"nameservers":["10.96.0.10"],"search":["svc"]}}
            """)
        XCTAssertEqual(c.bridgeName, "br-x")
        XCTAssertTrue(c.isGateway, "isDefaultGateway implies isGateway")
        XCTAssertTrue(c.isDefaultGateway)
        XCTAssertTrue(c.forceAddress)
        XCTAssertEqual(c.ipMasqBackend, .nftables)
        XCTAssertEqual(c.mtu, 1450)
        XCTAssertTrue(c.hairpinMode)
        XCTAssertEqual(c.vlanTrunk, [5, 10, 11, 12])
        XCTAssertTrue(c.vlanFiltering)
        XCTAssertTrue(c.preserveDefaultVlan)
        XCTAssertTrue(c.enableDAD)
        XCTAssertTrue(c.macSpoofCheck)
        XCTAssertTrue(c.portIsolation)
        XCTAssertEqual(c.ipamType, "host-local")
        XCTAssertEqual(c.dns, CNIResult.DNS(nameservers: ["10.96.0.10"], search: ["svc"]))
    }

    func testReferenceErrorTexts() {
        XCTAssertEqual(error(#"{"name":"n","hairpinMode":true,"promiscMode":true}"#)?.msg,
                       "cannot set hairpin mode and promiscuous mode at the same time")
        XCTAssertEqual(error(#"{"name":"n","vlan":5000}"#)?.msg, "invalid VLAN ID 5000 (must be between 0 and 4094)")
        XCTAssertEqual(error(#"{"name":"n","vlan":-1}"#)?.msg, "invalid VLAN ID -1 (must be between 0 and 4094)")
        XCTAssertEqual(error(#"{"name":"n","vlan":3,"vlanTrunk":[{"id":4}]}"#)?.msg, "cannot set vlan and vlanTrunk at the same time")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"minID":4}]}"#)?.msg,
                       "minID and maxID should be configured simultaneously, maxID is missing")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"maxID":4}]}"#)?.msg,
                       "minID and maxID should be configured simultaneously, minID is missing")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"minID":9,"maxID":4}]}"#)?.msg, "minID is greater than maxID in trunk parameter")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"minID":0,"maxID":4}]}"#)?.msg, "incorrect trunk minID parameter")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"minID":1,"maxID":4095}]}"#)?.msg, "incorrect trunk maxID parameter")
        XCTAssertEqual(error(#"{"name":"n","vlanTrunk":[{"id":4095}]}"#)?.msg, "incorrect trunk id parameter")
        XCTAssertEqual(error(#"{"name":"n","disableContainerInterface":true,"ipam":{"type":"host-local"}}"#)?.msg,
                       "cannot use IPAM when DisableContainerInterface flag is set")
        XCTAssertEqual(error(#"{"name":"n","ipMasqBackend":"pf"}"#)?.msg, "unknown ipmasq backend \"pf\"")
    }

    func testValidationErrorsAreCode7AndNameTheProblem() {
        for bad in [#"{"name":"n","mtu":"1450"}"#, #"{"name":"n","isGateway":"yes"}"#, #"{"name":"n","mtu":20}"#,
                    #"{"name":"n","bridge":"this-name-is-too-long"}"#, #"{"name":"n","bridge":"a/b"}"#,
                    #"{"name":"n","ipam":"host-local"}"#, #"{"name":"n","vlanTrunk":[5]}"#,
                    #"{"name":"n","runtimeConfig":{"mac":"zz:00:00:00:00:00"}}"#] {
            let e = error(bad)
            XCTAssertEqual(e?.code, 7, bad)
        }
        XCTAssertEqual(error(#"{"name":"n","mtu":"1450"}"#)?.msg, "invalid network config: \"mtu\" must be an integer, got string")
        XCTAssertEqual(error(#"{"name":"n","mtu":70000}"#)?.msg, "invalid MTU 70000 (must be 0 or between 68 and 65535)")
        XCTAssertTrue(error(#"{"name":"n","bridge":"this-name-is-too-long"}"#)?.msg.hasPrefix("invalid bridge name") ?? false)
        XCTAssertEqual(error(#"{"name":"n"}"#, mac: "01:00:5e:00:00:01")?.msg, "invalid MAC address \"01:00:5e:00:00:01\"",
                       "a multicast MAC cannot be an interface address")
    }

    func testMACPrecedenceRuntimeConfigThenArgsThenCNIArgs() throws {
        let cniArgs = "0a:00:00:00:00:01"
        XCTAssertEqual(try parse(#"{"name":"n"}"#, mac: cniArgs).mac?.description, cniArgs)
        XCTAssertEqual(try parse(#"{"name":"n","args":{"cni":{"mac":"0a:00:00:00:00:02"}}}"#, mac: cniArgs).mac?.description,
                       "0a:00:00:00:00:02")
        XCTAssertEqual(try parse(#"{"name":"n","args":{"cni":{"mac":"0a:00:00:00:00:02"}},"runtimeConfig":{"mac":"0A:00:00:00:00:03"}}"#,
                                 mac: cniArgs).mac?.description, "0a:00:00:00:00:03")
        XCTAssertNil(try parse(#"{"name":"n","runtimeConfig":{"mac":""}}"#).mac)
    }

    func testDNSIsSetOnlyWhenItSaysSomething() throws {
        XCTAssertNil(try parse(#"{"name":"n","dns":{}}"#).dns, "an empty dns keeps IPAM's")
        XCTAssertEqual(try parse(#"{"name":"n","dns":{"domain":"cluster.local"}}"#).dns?.domain, "cluster.local")
        XCTAssertEqual(try parse(#"{"name":"n","dns":{"nameservers":[]}}"#).dns, CNIResult.DNS(), "present but empty list: set, as in Go")
    }

    func testL2OnlyWhenIPAMTypeIsEmpty() throws {
        XCTAssertFalse(try parse(#"{"name":"n","ipam":{}}"#).isLayer3)
        XCTAssertFalse(try parse(#"{"name":"n","ipam":{"type":""},"disableContainerInterface":true}"#).isLayer3)
    }
}
