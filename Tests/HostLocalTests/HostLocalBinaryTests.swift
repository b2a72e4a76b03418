import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The real `host-local` binary (the multicall executable): results per version, files on disk,
/// DEL/CHECK/GC/STATUS. No network namespace or root is needed for IPAM.
final class HostLocalBinaryTests: XCTestCase {
    private func compact(_ output: String) -> String {
        PluginRun.parsedJSON(output).map { JSONSerializer.string($0) } ?? "not JSON: \(output)"
    }

    func testAddCheckDelAndTheFilesOnDisk() throws {
        let h = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "fd00:1::/64"]]], "routes": [["dst": "0.0.0.0/0"]]])
        let add = h.run("ADD", "c1")
        XCTAssertEqual(add.status, 0, add.stdout)
        XCTAssertEqual(compact(add.stdout),
                       #"{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1"},{"address":"fd00:1::2/64","gateway":"fd00:1::1"}],"routes":[{"dst":"0.0.0.0/0"}]}"#)
        XCTAssertEqual(h.addressFiles(), ["10.1.0.2", "fd00:1::2"])
        XCTAssertEqual(h.contents("10.1.0.2"), Array("c1\r\neth0".utf8))
        XCTAssertEqual(h.contents("fd00:1::2"), Array("c1\r\neth0".utf8))
        XCTAssertEqual(h.mode("10.1.0.2"), 0o600)
        XCTAssertEqual(h.text("last_reserved_ip.0"), "10.1.0.2")
        XCTAssertEqual(h.text("last_reserved_ip.1"), "fd00:1::2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: h.storeDirectory + "/lock"))

        XCTAssertEqual(h.run("CHECK", "c1").status, 0)
        let missing = h.run("CHECK", "c9")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(HostLocalHarness.errorMessage(missing.stdout), "host-local: Failed to find address added by container c9")

        let dup = h.run("ADD", "c1")
        XCTAssertEqual(HostLocalHarness.errorMessage(dup.stdout),
                       "failed to allocate for range 0: 10.1.0.2 has been allocated to c1, duplicate allocation is not allowed")
        XCTAssertEqual(h.addressFiles().count, 2)

        XCTAssertEqual(h.run("DEL", "c1", netns: nil).status, 0, "DEL needs no netns")
        XCTAssertEqual(h.addressFiles(), [])
        XCTAssertEqual(h.text("last_reserved_ip.0"), "10.1.0.2", "DEL leaves last_reserved_ip alone")
        let again = h.run("DEL", "c1")
        XCTAssertEqual(again.status, 0, again.stdout)
        XCTAssertEqual(again.stdout, "")
        XCTAssertEqual(h.run("CHECK", "c1").status, 1)
        // The next ADD continues after the last reservation.
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("c2")), ["10.1.0.3", "fd00:1::3"])
    }

    func testDelOfAnUnknownNetworkCreatesNothing() throws {
        let h = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]]]])
        XCTAssertEqual(h.run("DEL", "c1", netns: nil).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.storeDirectory))
        let outside = h.run("ADD", "c1", cniArgs: "IP=10.9.9.9")
        XCTAssertEqual(HostLocalHarness.errorMessage(outside.stdout), "failed to allocate all requested IPs: 10.9.9.9")
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.storeDirectory), "refused before the store is created")
    }

    func testResultShapePerVersion() throws {
        let ipam: JSONValue = ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "fd00:1::/64"]]], "routes": [["dst": "0.0.0.0/0"], ["dst": "::/0"]]]
        let v020 = try HostLocalHarness(version: "0.2.0", ipam: ipam)
        XCTAssertEqual(compact(v020.run("ADD", "c1").stdout),
                       #"{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.2/24","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]},"ip6":{"ip":"fd00:1::2/64","gateway":"fd00:1::1","routes":[{"dst":"::/0"}]}}"#)
        let v031 = try HostLocalHarness(version: "0.3.1", ipam: ipam)
        XCTAssertEqual(compact(v031.run("ADD", "c1").stdout),
                       #"{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.1.0.2/24","gateway":"10.1.0.1"},{"version":"6","address":"fd00:1::2/64","gateway":"fd00:1::1"}],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}"#)
        let v100 = try HostLocalHarness(version: "1.0.0", ipam: ipam)
        let out = try v100.add("c1")
        XCTAssertNil(out["ips"]?.arrayValue?.first?["version"], "1.0.0 has no version field")
        XCTAssertNil(out["ips"]?.arrayValue?.first?["interface"], "IPAM results have no interface index")
        // Two IPv4 range sets cannot be expressed at 0.2.0.
        let two = try HostLocalHarness(version: "0.2.0", ipam: ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "10.2.0.0/24"]]]])
        XCTAssertEqual(HostLocalHarness.errorMessage(two.run("ADD", "c1").stdout),
                       "CNI version 0.2.0 does not support more than 1 address per family")
        XCTAssertFalse(FileManager.default.fileExists(atPath: two.storeDirectory), "validation happens before the store is created")
    }

    func testDNSFromResolvConf() throws {
        let tmp = try TemporaryDirectory()
        try "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:5\ndomain cluster.local\n"
            .write(toFile: tmp.file("resolv.conf"), atomically: true, encoding: .utf8)
        let h = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]]], "resolvConf": .string(tmp.file("resolv.conf"))])
        let out = try h.add("c1")
        XCTAssertEqual(out["dns"].map { JSONSerializer.string($0) },
                       #"{"nameservers":["10.96.0.10"],"domain":"cluster.local","search":["default.svc.cluster.local","svc.cluster.local"],"options":["ndots:5"]}"#)
        let bad = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]]], "resolvConf": "/nonexistent/resolv.conf"])
        XCTAssertEqual(HostLocalHarness.errorMessage(bad.run("ADD", "c1").stdout), "open /nonexistent/resolv.conf: no such file or directory")
    }

    func testRequestedIPsAndErrorsThroughTheBinary() throws {
        let h = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24"]]]])
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("c1", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.100")), ["10.1.0.100"])
        XCTAssertEqual(HostLocalHarness.addresses(try h.add("c2")), ["10.1.0.101"], "round robin continues after a requested IP")
        let ips = h.config(extra: ["args": ["cni": ["ips": ["10.1.0.50"]]], "runtimeConfig": ["ips": ["10.1.0.51/24"]]])
        XCTAssertEqual(HostLocalHarness.errorMessage(h.run("ADD", "c3", config: ips).stdout), "failed to allocate all requested IPs: 10.1.0.51")
        let taken = h.run("ADD", "c3", cniArgs: "IP=10.1.0.100")
        XCTAssertEqual(HostLocalHarness.errorMessage(taken.stdout),
                       "failed to allocate for range 0: requested IP address 10.1.0.100 is not available in range set 10.1.0.1-10.1.0.254")
        XCTAssertEqual(HostLocalHarness.errorMessage(h.run("ADD", "c3", cniArgs: "IP=10.1.0.1").stdout),
                       "failed to allocate for range 0: requested ip 10.1.0.1 is subnet's gateway")
        XCTAssertEqual(HostLocalHarness.errorMessage(h.run("ADD", "c3", cniArgs: "FOO=bar").stdout), #"ARGS: unknown args ["FOO=bar"]"#)
        XCTAssertEqual(h.addressFiles(), ["10.1.0.100", "10.1.0.101"])
    }

    func testExhaustionNamesTheRange() throws {
        let h = try HostLocalHarness(ipam: ["ranges": [[["subnet": "10.1.0.0/24", "rangeStart": "10.1.0.10", "rangeEnd": "10.1.0.11"]]]])
        _ = try h.add("c1")
        _ = try h.add("c2")
        let r = h.run("ADD", "c3")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(PluginRun.parsedJSON(r.stdout)?["code"], .int(999))
        XCTAssertEqual(HostLocalHarness.errorMessage(r.stdout),
                       "failed to allocate for range 0: no IP addresses available in range set: 10.1.0.10-10.1.0.11")
    }

    func testGarbageCollectionReleasesStaleAttachments() throws {
        let h = try HostLocalHarness(version: "1.1.0", ipam: ["ranges": [[["subnet": "10.1.0.0/24"]], [["subnet": "fd00:1::/64"]]]])
        for id in ["c1", "c2", "c3"] { _ = try h.add(id) }
        // A legacy record, a temp file orphaned by a killed writer, and the reference's lock file survive or go as they should.
        try "c1".write(toFile: h.storeDirectory + "/10.1.0.77", atomically: false, encoding: .utf8)
        try "gone".write(toFile: h.storeDirectory + "/10.1.0.78", atomically: false, encoding: .utf8)
        try "c5\r\neth0".write(toFile: h.storeDirectory + "/.10.1.0.9.tmp-99-abc", atomically: false, encoding: .utf8)
        let valid: JSONValue = ["cni.dev/valid-attachments": [["containerID": "c1", "ifname": "eth0"], ["containerID": "c3", "ifname": "eth0"]]]
        let gc = h.run("GC", nil, ifname: nil, netns: nil, config: h.config(extra: valid))
        XCTAssertEqual(gc.status, 0, gc.stdout)
        XCTAssertEqual(gc.stdout, "")
        XCTAssertEqual(h.addressFiles(), ["10.1.0.2", "10.1.0.4", "10.1.0.77", "fd00:1::2", "fd00:1::4"])
        let left = try FileManager.default.contentsOfDirectory(atPath: h.storeDirectory).sorted()
        XCTAssertEqual(left.filter { !h.addressFiles().contains($0) }, ["boot_id", "last_reserved_ip.0", "last_reserved_ip.1", "lock"])
        // The historic key works too; an empty list releases everything.
        let none = h.run("GC", nil, ifname: nil, netns: nil, config: h.config(extra: ["cni.dev/attachments": []]))
        XCTAssertEqual(none.status, 0, none.stdout)
        XCTAssertEqual(h.addressFiles(), [])
        // Without any list, GC refuses rather than releasing everything.
        let missing = h.run("GC", nil, ifname: nil, netns: nil)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(PluginRun.parsedJSON(missing.stdout)?["code"], .int(7))
    }

    func testStatusReportsWhetherTheStoreIsUsable() throws {
        let h = try HostLocalHarness(version: "1.1.0", ipam: ["ranges": [[["subnet": "10.1.0.0/24"]]]])
        let ok = h.run("STATUS", nil, ifname: nil, netns: nil)
        XCTAssertEqual(ok.status, 0, ok.stdout)
        try "x".write(toFile: h.dataDir.file("file"), atomically: true, encoding: .utf8)
        let blocked = #"{"cniVersion":"1.1.0","name":"net1","type":"host-local","ipam":{"type":"host-local","dataDir":"\#(h.dataDir.file("file"))"}}"#
        let r = h.run("STATUS", nil, ifname: nil, netns: nil, config: blocked)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(PluginRun.parsedJSON(r.stdout)?["code"], .int(50), r.stdout)
        XCTAssertEqual(HostLocalHarness.errorMessage(r.stdout)?.hasPrefix("host-local store \(h.dataDir.file("file"))/net1 is not usable: mkdir"), true, r.stdout)
    }
}
