import CNIProtocol
import CNIValues
import XCTest

final class PluginMainTests: XCTestCase {
    func testVersionListsEverySupportedVersionWithoutReadingStdin() {
        var inv = Invocation()
        inv.env = ["CNI_COMMAND": "VERSION"]
        let o = PluginMain.execute(FakePlugin(), environment: inv.env) { XCTFail("stdin read"); return [] }
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertEqual(String(decoding: o.stdout, as: UTF8.self),
                       #"{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"# + "\n")
    }

    func testNoCommandPrintsAboutTextAndSucceeds() {
        let o = PluginMain.execute(FakePlugin(), environment: [:]) { [] }
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertTrue(o.stdout.isEmpty)
        XCTAssertTrue(String(decoding: o.stderr, as: UTF8.self).contains("CNI protocol versions supported: 0.1.0"))
    }

    func testEnvironmentErrors() {
        var inv = Invocation()
        inv.env["CNI_COMMAND"] = "FOO"
        XCTAssertEqual(inv.errorCode(), 4)
        inv = Invocation()
        inv.env = ["CNI_COMMAND": "ADD"]
        let r = inv.run()
        XCTAssertEqual(r.json?["code"], 4)
        XCTAssertEqual(r.json?["msg"], "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing")
        inv = Invocation()
        inv.env["CNI_COMMAND"] = "DEL"
        inv.env["CNI_NETNS"] = nil
        XCTAssertNil(inv.errorCode(), "DEL needs no netns")
        inv.env["CNI_NETNS"] = "relative/path"
        XCTAssertEqual(inv.errorCode(), 4)
    }

    func testContainerIDValidation() {
        for bad in ["ab\n", "-x", "a b", "a/b", "../x", "a\"b", "é"] {
            var inv = Invocation()
            inv.env["CNI_CONTAINERID"] = bad
            XCTAssertEqual(inv.errorCode(), 4, bad)
        }
        var inv = Invocation()
        inv.env["CNI_CONTAINERID"] = "Abc-1.2_3"
        XCTAssertNil(inv.errorCode())
    }

    func testInterfaceNameValidation() {
        for bad in ["", "abcdefghijklmnop", ".", "..", "a/b", "a:b", "a b", "a\tb", "é12345678901234"] {
            var inv = Invocation()
            inv.env["CNI_IFNAME"] = bad
            XCTAssertEqual(inv.errorCode(), 4, bad)
        }
        var inv = Invocation()
        inv.env["CNI_IFNAME"] = "abcdefghijklmno"
        XCTAssertNil(inv.errorCode())
    }

    func testConfigErrors() {
        let cases: [(String, Int)] = [
            ("", 6), ("{", 6), ("[]", 6), (#"{"cniVersion":"1.0.0"}"#, 7), (#"{"name":"../x","cniVersion":"1.0.0"}"#, 7),
            (#"{"name":"n","cniVersion":"2.0.0"}"#, 1), (#"{"name":"n","cniVersion":"abc"}"#, 6),
            (#"{"name":"n","cniVersion":7}"#, 6), (#"{"name":7,"cniVersion":"1.0.0"}"#, 7),
        ]
        for (stdin, code) in cases {
            var inv = Invocation()
            inv.stdin = stdin
            XCTAssertEqual(inv.errorCode(), code, stdin)
        }
    }

    func testReservedKeysMustHaveTheirTypesAndNoNUL() {
        let cases: [(String, Int)] = [
            (#"{"cniVersion":"1.0.0","name":"n","type":5}"#, 7),
            (#"{"cniVersion":"1.0.0","name":"n","runtimeConfig":[]}"#, 7),
            (#"{"cniVersion":"1.0.0","name":"n","args":"x"}"#, 7),
            (#"{"cniVersion":"1.0.0","name":"n","args":{"cni":[{"ips":["10.0.0.7"]}]}}"#, 7),
            (#"{"cniVersion":"1.0.0","name":"n","ipam":{"dataDir":"/tmp/x\u0000y"}}"#, 7),
            (#"{"cniVersion":"1.0","name":"n"}"#, 1),
            (#"{"cniVersion":"0.4","name":"n"}"#, 1),
            (#"{"cniVersion":"1.0.0","name":"n","prevResult":{"cniVersion":"9.9.9"}}"#, 0),  // only read by plugins that use it
        ]
        for (stdin, code) in cases {
            var inv = Invocation()
            inv.stdin = stdin
            XCTAssertEqual(inv.errorCode() ?? 0, code, stdin)
        }
        let config = try? NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"n","prevResult":{"cniVersion":"9.9.9"}}"#.utf8))
        XCTAssertThrowsError(try config?.previousResult()) { XCTAssertEqual(($0 as? CNIError)?.code, 1) }
        let negative = try? NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"n","prevResult":{"cniVersion":"1.0.0","ips":[{"interface":-1,"address":"10.0.0.2/24"}]}}"#.utf8))
        XCTAssertThrowsError(try negative?.previousResult())
    }

    func testIncompatibleVersionDetails() {
        var inv = Invocation()
        inv.stdin = #"{"name":"n","cniVersion":"2.0.0"}"#
        let r = inv.run()
        XCTAssertEqual(r.json?["msg"], "incompatible CNI versions")
        XCTAssertEqual(r.json?["details"], #"config is "2.0.0", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]"#)
    }

    func testVerbsRequireTheirMinimumVersion() {
        for (command, version, code) in [("CHECK", "0.3.1", 1), ("CHECK", "0.4.0", 0), ("GC", "1.0.0", 1), ("STATUS", "1.0.0", 1), ("GC", "1.1.0", 0), ("STATUS", "1.1.0", 0)] {
            var inv = Invocation()
            inv.env["CNI_COMMAND"] = command
            inv.stdin = #"{"name":"n","cniVersion":"\#(version)"}"#
            XCTAssertEqual(inv.errorCode() ?? 0, code, "\(command) \(version)")
        }
    }

    func testStdinFailureIsCode5() {
        struct Broken: Error {}
        let o = PluginMain.execute(FakePlugin(), environment: Invocation().env) { throw Broken() }
        XCTAssertEqual(o.exitCode, 1)
        XCTAssertEqual((try? JSONParser.parse(o.stdout))?["code"], 5)
    }

    func testCNIArgsUnknownKeysNeedIgnoreUnknown() {
        var inv = Invocation()
        inv.env["CNI_ARGS"] = "FOO=bar"
        XCTAssertEqual(inv.errorCode(), 4)
        inv.env["CNI_ARGS"] = "IgnoreUnknown=1;FOO=bar;K8S_POD_NAME=x"
        XCTAssertNil(inv.errorCode())
        inv.env["CNI_ARGS"] = "IP=10.0.0.5"
        XCTAssertNil(inv.errorCode())
        inv.env["CNI_ARGS"] = "IP=a=b"
        XCTAssertEqual(inv.errorCode(), 4)
    }

    func testPluginErrorsBecomeJSON() {
        struct Plain: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        var inv = Invocation()
        inv.plugin.failure = Plain()
        let r = inv.run()
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.json?["code"], 999)
        XCTAssertEqual(r.json?["msg"], "disk on fire")
        inv.plugin.failure = CNIError(code: 11, "try later", details: "busy")
        XCTAssertEqual(inv.run().out, "{\n    \"code\": 11,\n    \"msg\": \"try later\",\n    \"details\": \"busy\"\n}")
    }

    func testMalformedInputsAlwaysGiveErrorJSON() {
        var rng = SystemRandomNumberGenerator()
        let fragments = [#"{"#, #"}"#, #""name":"#, #""cbr0""#, #""cniVersion":"#, #""1.0.0""#, #""0.2.0""#, ",", ":", "[", "]",
                         "null", "true", "12", #""type":"fake""#, "\u{0}", "\"\\u0000\"", #""../../etc""#, "\n"]
        let envKeys = ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS"]
        let envValues = ["", "a\nb", "../../x", String(repeating: "x", count: 5000), "a;b", "=", "/proc/1/ns/net", "eth0 ", "é"]
        var failures = 0
        for i in 0..<600 {
            var inv = Invocation()
            inv.stdin = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in fragments.randomElement(using: &rng) ?? "" }.joined()
            if i % 2 == 0, let k = envKeys.randomElement(using: &rng) {
                inv.env[k] = envValues.randomElement(using: &rng)
            }
            let r = inv.run()
            if r.code == 0 { continue }  // a random input can be valid
            guard r.code == 1, let code = r.json?["code"]?.intValue, code > 0, r.json?["msg"]?.stringValue != nil else {
                failures += 1
                continue
            }
        }
        XCTAssertEqual(failures, 0)
    }
}
