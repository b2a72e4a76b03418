import CNIProtocol
import CNIValues
import FlannelSubnet
import Foundation
import XCTest

@testable import FlannelPlugin

/// GC and STATUS (which the reference answers with a no-op success) against the recording fake.
final class FlannelLifecycleTests: XCTestCase {
    private func gcConfig(_ f: FlannelFixture, valid: [String]) -> String {
        let list = valid.map { id -> JSONValue in ["containerID": .string(id), "ifname": "eth0"] }
        return f.config(version: "1.1.0", extra: ["cni.dev/valid-attachments": .array(list)])
    }

    func testGCDelsStaleContainersAndForwardsGCOnce() throws {
        let f = try FlannelFixture()
        for id in ["c1", "c2", "c4"] {
            XCTAssertEqual(f.run("ADD", containerID: id, config: f.config()).status, 0)
        }
        try "{".write(toFile: f.savedPath("c3"), atomically: true, encoding: .utf8)       // unparsable, stale
        try "{".write(toFile: f.savedPath("c5"), atomically: true, encoding: .utf8)       // unparsable, still valid
        try "x".write(toFile: f.dataDir + "/.c9.tmp-1-2", atomically: true, encoding: .utf8) // not a container
        let c2 = try XCTUnwrap(f.saved("c2"))
        let r = f.run("GC", containerID: nil, config: gcConfig(f, valid: ["c1", "c5"]))
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertNotNil(f.saved("c1"))
        XCTAssertNil(f.saved("c2"))
        XCTAssertNil(f.saved("c3"))
        XCTAssertNil(f.saved("c4"))
        XCTAssertNotNil(f.saved("c5"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.dataDir + "/.c9.tmp-1-2"))
        let dels = f.calls.filter { $0.hasPrefix("DEL") }
        XCTAssertEqual(dels, ["DEL c2 eth0 -", "DEL c4 eth0 -"])
        XCTAssertEqual(f.stdin("DEL").first, c2, "stale attachments are DELed with their saved bytes")
        let gcs = f.stdin("GC")
        XCTAssertEqual(gcs.count, 1, "identical configs get one GC: \(gcs)")
        let gc = try XCTUnwrap(gcs.first.flatMap { try? JSONParser.parse($0) })
        XCTAssertEqual(gc["type"], "fake")
        XCTAssertEqual(gc["cniVersion"], "1.1.0")
        XCTAssertEqual(gc["cni.dev/valid-attachments"], [["containerID": "c1", "ifname": "eth0"], ["containerID": "c5", "ifname": "eth0"]])
        XCTAssertEqual(gc["ipam"]?["ranges"], [[["subnet": "10.244.1.0/24"]]])
        XCTAssertEqual(f.calls.last, "GC - - -")
    }

    func testGCForwardsEachDistinctConfig() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", containerID: "old", config: f.config()).status, 0)
        // flanneld got a new lease: new pods get another range; the old pod's config stays.
        try f.writeSubnetEnv("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
        XCTAssertEqual(f.run("GC", containerID: nil, config: gcConfig(f, valid: ["old"])).status, 0)
        let subnets = f.stdin("GC").compactMap { try? JSONParser.parse($0)["ipam"]?["ranges"]?.description }
        XCTAssertEqual(subnets, [#"[[{"subnet":"10.244.7.0/24"}]]"#, #"[[{"subnet":"10.244.1.0/24"}]]"#])
    }

    func testGCKeepsTheFileWhenTheStaleDelFailsAndReports() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", containerID: "gone", config: f.config()).status, 0)
        f.failNext("DEL")
        let r = f.run("GC", containerID: nil, config: gcConfig(f, valid: []))
        XCTAssertEqual(r.status, 1)
        let msg = r.json?["msg"]?.stringValue ?? ""
        XCTAssertTrue(msg.contains("DEL of stale container gone via fake: fake DEL failed"), msg)
        XCTAssertNotNil(f.saved("gone"))
        XCTAssertEqual(f.stdin("GC").count, 1, "GC is still forwarded")
        f.stopFailing("DEL")
        XCTAssertEqual(f.run("GC", containerID: nil, config: gcConfig(f, valid: [])).status, 0)
        XCTAssertNil(f.saved("gone"))
    }

    func testGCWithoutAnythingSavedStillForwardsTheCurrentConfig() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("GC", containerID: nil, config: gcConfig(f, valid: [])).status, 0)
        XCTAssertEqual(f.stdin("GC").count, 1)
        let none = try FlannelFixture(subnetEnv: nil)
        XCTAssertEqual(none.run("GC", containerID: nil, config: gcConfig(none, valid: [])).status, 0)
        XCTAssertEqual(none.calls, [])
    }

    func testGCNeedsTheValidList() throws {
        let f = try FlannelFixture()
        let r = f.run("GC", containerID: nil, config: f.config(version: "1.1.0"))
        XCTAssertEqual(r.json?["code"], 7)
        XCTAssertEqual(f.calls, [])
    }

    func testStatusIsCode50WithoutAUsableSubnetEnv() throws {
        let f = try FlannelFixture(subnetEnv: nil)
        let missing = f.run("STATUS", containerID: nil, config: f.config(version: "1.1.0"))
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.json?["code"], 50)
        let msg = missing.json?["msg"]?.stringValue ?? ""
        XCTAssertTrue(msg.hasPrefix("flannel is not ready on this node: failed to load flannel 'subnet.env' file: open \(f.subnetFile): no such file or directory."), msg)
        XCTAssertTrue(msg.contains("flanneld is probably not running"), msg)
        try f.writeSubnetEnv("FLANNEL_NETWORK=10.244.0.0/16\n")
        let incomplete = f.run("STATUS", containerID: nil, config: f.config(version: "1.1.0"))
        XCTAssertEqual(incomplete.json?["code"], 50)
        XCTAssertTrue((incomplete.json?["msg"]?.stringValue ?? "").contains("is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ"))
        XCTAssertEqual(f.calls, [])
    }

    func testStatusForwardsToTheDelegate() throws {
        let f = try FlannelFixture()
        let ok = f.run("STATUS", containerID: nil, config: f.config(version: "1.1.0"))
        XCTAssertEqual(ok.status, 0, ok.stdout)
        XCTAssertEqual(f.calls, ["STATUS - - -"])
        let sent = try XCTUnwrap(f.stdin("STATUS").first.flatMap { try? JSONParser.parse($0) })
        XCTAssertEqual(sent["cniVersion"], "1.1.0")
        XCTAssertEqual(sent["mtu"], 1450)
        f.failNext("STATUS")
        let failing = f.run("STATUS", containerID: nil, config: f.config(version: "1.1.0"))
        XCTAssertEqual(failing.json?["code"], 11)
        XCTAssertEqual(failing.json?["msg"], "fake STATUS failed")
    }
}
