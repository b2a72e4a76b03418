import CNIProtocol
import CNIValues
import FlannelPlugin
import FlannelSubnet
import XCTest

/// Delegate generation: byte-identical to the reference's `json.Marshal` output for the
/// example in flannel-io/cni-plugin:README.md, the upstream test cases (`flannel_linux_test.go`), and key rules.
final class DelegateConfigTests: XCTestCase {
    static let kubeFlannelSubnetEnv = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
    static let dualStackSubnetEnv = """
        FLANNEL_NETWORK=10.1.0.0/16
        FLANNEL_SUBNET=10.1.17.1/24
        FLANNEL_IPV6_NETWORK=fc00::/48
        FLANNEL_IPV6_SUBNET=fc00::1/64
        FLANNEL_MTU=1472
        FLANNEL_IPMASQ=true

        """

    private func object(_ text: String) throws -> JSONObject {
        guard let o = try JSONParser.parse(text).objectValue else { throw CNIError.invalidConfig("not an object") }
        return o
    }

    private func generate(_ config: String, _ subnetEnv: String) throws -> DelegateConfig {
        let flannel = try FlannelConfig(json: object(config))
        try flannel.validateDelegate()
        return try DelegateConfig(config: flannel, subnet: SubnetEnv.parse(subnetEnv, path: "/run/flannel/subnet.env"))
    }

    /// Same JSON value regardless of key order and whitespace.
    private func assertSameJSON(_ got: String, _ want: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = JSONSerializer.string(try JSONParser.parse(got), sortedKeys: true)
        let b = JSONSerializer.string(try JSONParser.parse(want), sortedKeys: true)
        XCTAssertEqual(a, b, file: file, line: line)
    }

    func testDocumentedExampleIsByteIdentical() throws {
        let d = try generate("""
            {"name":"cbr0","cniVersion":"1.0.0","type":"flannel",
             "delegate":{"hairpinMode":true,"isDefaultGateway":true},"ipam":{"dataDir":"D"}}
            """, Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(d.text, #"{"cniVersion":"1.0.0","hairpinMode":true,"ipMasq":false,"ipam":{"dataDir":"D","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}"#)
        XCTAssertEqual(d.bytes, Array(d.text.utf8))
        XCTAssertEqual(d.type, "bridge")
    }

    func testKubeFlannelConfigWithoutIPAM() throws {
        let d = try generate(#"{"name":"cbr0","cniVersion":"0.3.1","type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}}"#,
                             Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(d.text, #"{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}"#)
    }

    func testDualStack() throws {
        let d = try generate(#"{"name":"cni-flannel","type":"flannel"}"#, Self.dualStackSubnetEnv)
        // Upstream flannel_linux_test.go "when using dual stack"; no cniVersion given → none passed on.
        XCTAssertEqual(d.text, #"{"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}],[{"subnet":"fc00::/64"}]],"routes":[{"dst":"10.1.0.0/16"},{"dst":"fc00::/48"}],"type":"host-local"},"isGateway":true,"mtu":1472,"name":"cni-flannel","type":"bridge"}"#)
    }

    func testIPv6OnlyAndMultipleNetworks() throws {
        let v6 = try generate(#"{"name":"cni-flannel","type":"flannel"}"#,
                              "FLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=fc00::1/64\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n")
        XCTAssertEqual(v6.json["ipam"]?["ranges"], [[["subnet": "fc00::/64"]]])
        XCTAssertEqual(v6.json["ipam"]?["routes"], [["dst": "fc00::/48"]])
        let multi = try generate(#"{"name":"cni-flannel","type":"flannel"}"#,
                                 "FLANNEL_NETWORK=10.1.0.0/16,192.168.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n")
        XCTAssertEqual(multi.json["ipam"]?["routes"], [["dst": "10.1.0.0/16"], ["dst": "192.168.0.0/16"]])
    }

    func testInputIPAMIsTheBase() throws {
        // Upstream "when input IPAM is provided": type and unknown keys kept, given routes
        // (with gw) first, existing ranges replaced.
        let d = try generate("""
            {"name":"cni-flannel","type":"flannel","ipam":{"type":"my-ipam","unknown-param":"unknown-value",
             "ranges":[[{"subnet":"192.0.2.0/24"}]],
             "routes":[{"dst":"10.96.0.0/12"},{"dst":"192.168.244.0/24","gw":"10.1.17.20","junk":1}]}}
            """, Self.dualStackSubnetEnv)
        try assertSameJSON(JSONSerializer.string(d.json["ipam"] ?? .null), """
            {"type":"my-ipam","unknown-param":"unknown-value",
             "routes":[{"dst":"10.96.0.0/12"},{"dst":"192.168.244.0/24","gw":"10.1.17.20"},{"dst":"10.1.0.0/16"},{"dst":"fc00::/48"}],
             "ranges":[[{"subnet":"10.1.17.0/24"}],[{"subnet":"fc00::/64"}]]}
            """)
        let noType = try generate(#"{"name":"n","type":"flannel","ipam":{"routes":[{"dst":"10.96.0.0/12"}]}}"#, Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(noType.json["ipam"]?["type"], "host-local")
    }

    func testDelegateKeysWinOverSubnetEnv() throws {
        let d = try generate("""
            {"name":"cbr0","cniVersion":"1.0.0","type":"flannel",
             "delegate":{"type":"bridge","ipMasq":true,"mtu":9000,"isGateway":false,"cniVersion":"0.3.1","bridge":"kube-bridge"},
             "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]},
             "args":{"cni":{"ips":["10.244.1.9/24"]}},
             "dns":{"nameservers":["10.96.0.10"]},"prevResult":{"cniVersion":"1.0.0"}}
            """, Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(d.json["ipMasq"], true)
        XCTAssertEqual(d.json["mtu"], 9000)
        XCTAssertEqual(d.json["isGateway"], false)
        XCTAssertEqual(d.json["cniVersion"], "1.0.0", "flannel's cniVersion replaces the delegate's")
        XCTAssertEqual(d.json["bridge"], "kube-bridge")
        XCTAssertEqual(d.json["runtimeConfig"], ["portMappings": [["hostPort": 8080, "containerPort": 80, "protocol": "tcp"]]])
        XCTAssertEqual(d.json["args"], ["cni": ["ips": ["10.244.1.9/24"]]])
        XCTAssertNil(d.json["dns"], "other flannel keys are not forwarded")
        XCTAssertNil(d.json["prevResult"])
    }

    func testIPMasqFalseInSubnetEnvMeansDelegateMasquerades() throws {
        let d = try generate(#"{"name":"cbr0","type":"flannel"}"#,
                             "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n")
        XCTAssertEqual(d.json["ipMasq"], true)
    }

    func testNonBridgeDelegateGetsNoIsGateway() throws {
        let d = try generate(#"{"name":"cbr0","type":"flannel","delegate":{"type":"ipvlan","master":"eth0"}}"#, Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(d.type, "ipvlan")
        XCTAssertNil(d.json["isGateway"])
        XCTAssertEqual(d.json["master"], "eth0")
    }

    func testDelegateKeyErrors() throws {
        let cases: [(String, String)] = [
            (#"{"type":5}"#, "'delegate' dictionary, if present, must have (string) 'type' field"),
            (#"{"type":null}"#, "'delegate' dictionary, if present, must have (string) 'type' field"),
            (#"{"type":""}"#, "'delegate' dictionary, if present, must have (string) 'type' field"),
            (#"{"name":"x"}"#, "'delegate' dictionary must not have 'name' field, it'll be set by flannel"),
            (#"{"ipam":{}}"#, "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel"),
        ]
        for (delegate, message) in cases {
            let config = try FlannelConfig(json: object(#"{"name":"cbr0","type":"flannel","delegate":\#(delegate)}"#))
            XCTAssertThrowsError(try config.validateDelegate(), delegate) { error in
                XCTAssertEqual(error as? CNIError, CNIError.invalidConfig(message), delegate)
            }
        }
    }

    func testConfigDefaultsAndTypeErrors() throws {
        let plain = try FlannelConfig(json: object(#"{"name":"cbr0","type":"flannel","subnetFile":null}"#))
        XCTAssertEqual(plain.subnetFile, "/run/flannel/subnet.env")
        XCTAssertEqual(plain.dataDir, "/var/lib/cni/flannel")
        XCTAssertNil(plain.cniVersion)
        XCTAssertEqual(plain.delegate, JSONObject())
        for bad in [#""subnetFile":5"#, #""dataDir":true"#, #""delegate":"bridge""#, #""ipam":[]"#,
                    #""runtimeConfig":"x""#, #""subnetFile":"""#, #""dataDir":"""#] {
            XCTAssertThrowsError(try FlannelConfig(json: object(#"{"name":"cbr0","type":"flannel",\#(bad)}"#)), bad) { error in
                XCTAssertEqual((error as? CNIError)?.code, CNIError.invalidNetworkConfig, bad)
            }
        }
    }

    func testBadIPAMRoutes() throws {
        for routes in [#""10.0.0.0/8""#, #"[5]"#, #"[{"gw":"10.0.0.1"}]"#, #"[{"dst":"10.0.0.0/33"}]"#,
                       #"[{"dst":"10.0.0.0/8","gw":"x"}]"#, #"[{"dst":"10.0.0.0/8","mtu":"big"}]"#] {
            XCTAssertThrowsError(try generate(#"{"name":"n","type":"flannel","ipam":{"routes":\#(routes)}}"#, Self.kubeFlannelSubnetEnv), routes) { error in
                let e = error as? CNIError
                XCTAssertEqual(e?.code, CNIError.invalidNetworkConfig, routes)
                XCTAssertEqual(e?.msg.hasPrefix("failed to assemble Delegate IPAM: failed to read IPAM routes: "), true, routes)
            }
        }
        let null = try generate(#"{"name":"n","type":"flannel","ipam":{"routes":null}}"#, Self.kubeFlannelSubnetEnv)
        XCTAssertEqual(null.json["ipam"]?["routes"], [["dst": "10.244.0.0/16"]])
    }

    func testSavedConfigWrapper() throws {
        let saved = try DelegateConfig(json: object(#"{"type":"bridge","name":"cbr0"}"#))
        XCTAssertEqual(saved.type, "bridge")
        XCTAssertThrowsError(try DelegateConfig(json: object(#"{"name":"cbr0"}"#)))
    }
}

/// flannel's NetConf fields are struct fields (matched as encoding/json does); `delegate` and
/// `ipam` are Go maps, read with exact keys, so a differently spelled key is passed on as is.
final class FlannelKeyCaseTests: XCTestCase {
    private func generate(_ config: String) throws -> DelegateConfig {
        let o = try XCTUnwrap(try JSONParser.parse(config).objectValue)
        let flannel = try FlannelConfig(json: o)
        try flannel.validateDelegate()
        return try DelegateConfig(config: flannel, subnet: SubnetEnv.parse(DelegateConfigTests.kubeFlannelSubnetEnv,
                                                                           path: "/run/flannel/subnet.env"))
    }

    func testStructFieldsFoldMapKeysStayExact() throws {
        let d = try generate("""
            {"name":"cbr0","CNIVersion":"0.3.1","type":"flannel","DataDir":"/tmp/fl","SubnetFile":"/tmp/s.env",
             "Delegate":{"HairpinMode":true,"IsGateway":false},
             "IPAM":{"routes":[{"Dst":"10.96.0.0/12","GW":"10.244.1.1"}]}}
            """)
        let json = d.json
        // The map keys flannel checks are exact: it still adds isGateway and hairpin stays as spelled.
        XCTAssertEqual(json["isGateway"], true)
        XCTAssertEqual(json["IsGateway"], false)
        XCTAssertEqual(json["HairpinMode"], true)
        XCTAssertEqual(json["cniVersion"], "0.3.1")
        let routes = try XCTUnwrap(json["ipam"]?["routes"]?.arrayValue)
        XCTAssertEqual(routes.first, .object(JSONObject([("dst", "10.96.0.0/12"), ("gw", "10.244.1.1")])))
    }

    func testDeleteNeedsOnlyTheDataDir() throws {
        let o = try XCTUnwrap(try JSONParser.parse(#"{"name":"cbr0","dataDir":"/tmp/fl","subnetFile":7,"delegate":"x"}"#).objectValue)
        XCTAssertThrowsError(try FlannelConfig(json: o))
        XCTAssertEqual(FlannelConfig(deleting: o).dataDir, "/tmp/fl")
        let bad = try XCTUnwrap(try JSONParser.parse(#"{"name":"cbr0","dataDir":""}"#).objectValue)
        XCTAssertEqual(FlannelConfig(deleting: bad).dataDir, FlannelConfig.defaultDataDir)
    }
}
