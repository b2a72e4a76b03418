import CNIProtocol
import CNIValues
import FlannelSubnet
import Foundation
import XCTest

@testable import FlannelPlugin

/// ADD / DEL / CHECK / GC / STATUS against a recording fake delegate (no root needed): what is
/// saved, what the delegate receives, and when the saved file is kept or removed.
final class FlannelVerbTests: XCTestCase {
    func testAddSavesTheDelegateConfigAndReturnsTheResult() throws {
        let f = try FlannelFixture()
        let r = f.run("ADD", config: f.config())
        XCTAssertEqual(r.status, 0, r.stdout)
        let expected = #"{"cniVersion":"1.0.0","ipMasq":false,"ipam":{"dataDir":"\#(f.ipamDir)","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"mtu":1450,"name":"cbr0","type":"fake"}"#
        XCTAssertEqual(f.saved("c1"), expected)
        XCTAssertEqual(f.stdin("ADD"), [expected], "the delegate gets exactly the saved bytes")
        XCTAssertEqual(f.calls, ["ADD c1 eth0 /run/netns/fakepod"])
        XCTAssertEqual(FlannelFixture.mode(f.savedPath("c1")), 0o600)
        XCTAssertEqual(FlannelFixture.mode(f.dataDir), 0o700)
        XCTAssertEqual(r.json?["ips"]?.arrayValue?.first?["address"], "10.244.1.2/24")
        XCTAssertEqual(r.json?["cniVersion"], "1.0.0")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.dataDir).sorted()
        XCTAssertEqual(leftovers, [".boot_id", ".lock", "c1"], "no temp files left behind")
    }

    func testAddForwardsRuntimeConfigAndArgs() throws {
        let f = try FlannelFixture()
        let extra: JSONValue = [
            "runtimeConfig": ["portMappings": [["hostPort": 8080, "containerPort": 80, "protocol": "tcp"]]],
            "args": ["cni": ["ips": ["10.244.1.7"]]],
        ]
        XCTAssertEqual(f.run("ADD", config: f.config(extra: extra)).status, 0)
        let sent = try XCTUnwrap(f.stdin("ADD").first.flatMap { try? JSONParser.parse($0) })
        XCTAssertEqual(sent["runtimeConfig"]?["portMappings"]?.arrayValue?.first?["hostPort"], 8080)
        XCTAssertEqual(sent["args"]?["cni"]?["ips"], ["10.244.1.7"])
    }

    func testDelegateAddFailureRemovesTheSavedFileAfterACleanupDel() throws {
        let f = try FlannelFixture()
        f.failNext("ADD")
        let r = f.run("ADD", config: f.config())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.json?["code"], 11, "the delegate's code is kept")
        XCTAssertEqual(r.json?["msg"], "failed to delegate add: fake ADD failed")
        XCTAssertEqual(r.json?["details"], "on purpose")
        XCTAssertNil(f.saved("c1"))
        XCTAssertEqual(f.calls, ["ADD c1 eth0 /run/netns/fakepod", "DEL c1 eth0 /run/netns/fakepod"])
        XCTAssertEqual(f.stdin("DEL"), f.stdin("ADD"))
    }

    func testAddWithoutSubnetEnvSaysFlanneldIsNotRunning() throws {
        let f = try FlannelFixture(subnetEnv: nil)
        let r = f.run("ADD", config: f.config())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.json?["code"], 999)
        let msg = r.json?["msg"]?.stringValue ?? ""
        XCTAssertTrue(msg.hasPrefix("failed to load flannel 'subnet.env' file: open \(f.subnetFile): no such file or directory."), msg)
        XCTAssertTrue(msg.contains("flanneld is probably not running"), msg)
        XCTAssertEqual(f.calls, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dataDir))
    }

    func testAddWithIncompleteOrBrokenSubnetEnv() throws {
        let f = try FlannelFixture(subnetEnv: "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n")
        let r = f.run("ADD", config: f.config())
        XCTAssertEqual(r.json?["msg"]?.stringValue, "failed to load flannel 'subnet.env' file: \(f.subnetFile) is missing FLANNEL_MTU, FLANNEL_IPMASQ. Check the flannel pod log for this node.")
        try f.writeSubnetEnv("FLANNEL_NETWORK\n")
        let broken = f.run("ADD", config: f.config())
        XCTAssertEqual(broken.json?["msg"]?.stringValue, "failed to load flannel 'subnet.env' file: \(f.subnetFile) line 1 \"FLANNEL_NETWORK\": FLANNEL_NETWORK has no value. Check the flannel pod log for this node.")
        XCTAssertEqual(f.calls, [])
    }

    func testBadDelegateIsRejectedBeforeAnything() throws {
        let f = try FlannelFixture(subnetEnv: nil)
        let r = f.run("ADD", config: f.config(delegate: ["type": "fake", "name": "x"]))
        XCTAssertEqual(r.json?["code"], 7)
        XCTAssertEqual(r.json?["msg"], "'delegate' dictionary must not have 'name' field, it'll be set by flannel")
        XCTAssertEqual(f.calls, [])
    }

    func testDelReplaysTheSavedBytesEvenWithoutSubnetEnv() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", config: f.config()).status, 0)
        let saved = try XCTUnwrap(f.saved("c1"))
        try FileManager.default.removeItem(atPath: f.subnetFile)
        // DEL-time config may differ (runtimeConfig, new delegate keys): the saved bytes are used.
        let r = f.run("DEL", config: f.config(delegate: ["type": "other"], extra: ["runtimeConfig": ["x": 1]]))
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(f.stdin("DEL"), [saved])
        XCTAssertNil(f.saved("c1"))
        XCTAssertEqual(f.run("DEL", config: f.config()).status, 0, "repeated DEL succeeds")
        XCTAssertEqual(f.calls.count, 2, "the second DEL has nothing to replay")
    }

    func testDelWithoutSavedFileSucceedsWithoutDelegating() throws {
        let f = try FlannelFixture(subnetEnv: nil)
        XCTAssertEqual(f.run("DEL", config: f.config()).status, 0)
        XCTAssertEqual(f.calls, [])
    }

    func testDelKeepsTheFileWhenTheDelegateFailsSoARetryCleansUp() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", config: f.config()).status, 0)
        f.failNext("DEL")
        let failed = f.run("DEL", config: f.config())
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(failed.json?["msg"], "fake DEL failed")
        XCTAssertNotNil(f.saved("c1"), "kept for the retry (the reference removes it and leaks)")
        f.stopFailing("DEL")
        XCTAssertEqual(f.run("DEL", config: f.config()).status, 0)
        XCTAssertNil(f.saved("c1"))
        XCTAssertEqual(f.stdin("DEL").count, 2)
    }

    func testDelWithUnparsableSavedFileSucceedsAndKeepsIt() throws {
        let f = try FlannelFixture()
        try FileManager.default.createDirectory(atPath: f.dataDir, withIntermediateDirectories: true)
        for content in ["", "{\"type\":", "[1,2]", "{\"name\":\"cbr0\"}"] {
            try content.write(toFile: f.savedPath("c1"), atomically: true, encoding: .utf8)
            let r = f.run("DEL", config: f.config())
            XCTAssertEqual(r.status, 0, content)
            XCTAssertEqual(f.saved("c1"), content)
        }
        XCTAssertEqual(f.calls, [])
    }

    func testDelReadsFilesWrittenByTheReference() throws {
        let f = try FlannelFixture(subnetEnv: nil)
        try FileManager.default.createDirectory(atPath: f.dataDir, withIntermediateDirectories: true)
        // What flannel-io/cni-plugin wrote (no trailing newline, Go's key order).
        let reference = #"{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"fake"}"#
        try reference.write(toFile: f.savedPath("abc123"), atomically: true, encoding: .utf8)
        XCTAssertEqual(f.run("DEL", containerID: "abc123", config: f.config(version: "0.3.1")).status, 0)
        XCTAssertEqual(f.stdin("DEL"), [reference])
        XCTAssertNil(f.saved("abc123"))
    }

    func testCheckDelegatesWithSavedConfigPlusPrevResult() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", config: f.config()).status, 0)
        let prev: JSONValue = ["cniVersion": "1.1.0", "ips": [["address": "10.244.1.2/24", "gateway": "10.244.1.1"]]]
        let r = f.run("CHECK", config: f.config(version: "1.1.0", extra: ["prevResult": prev]))
        XCTAssertEqual(r.status, 0, r.stdout)
        let sent = try XCTUnwrap(f.stdin("CHECK").first.flatMap { try? JSONParser.parse($0) }?.objectValue)
        let saved = try XCTUnwrap(try JSONParser.parse(XCTUnwrap(f.saved("c1"))).objectValue)
        XCTAssertEqual(sent["cniVersion"], "1.1.0")
        XCTAssertEqual(sent["prevResult"], prev)
        for (key, value) in saved where key != "cniVersion" {
            XCTAssertEqual(sent[key], value, key)
        }
        f.failNext("CHECK")
        XCTAssertEqual(f.run("CHECK", config: f.config(version: "1.1.0")).json?["msg"], "fake CHECK failed")
    }

    func testCheckWithoutSavedFileFails() throws {
        let f = try FlannelFixture()
        let r = f.run("CHECK", config: f.config())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.json?["msg"], "flannel: no saved delegate config for container c1")
        XCTAssertEqual(f.calls, [])
    }
}
