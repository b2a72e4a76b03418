import CNIValues
import XCTest
@testable import CNIInspect

/// subnet.env, host-local reservation files, flannel's saved configs, `ip -j netns list-id`.
final class FileFormatTests: XCTestCase {
    func testSubnetEnv() {
        let env = SubnetEnvReport(path: "/run/flannel/subnet.env", text: SnapshotFixtures.subnetEnvText)
        XCTAssertEqual(env.values.map(\.key), ["FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ"])
        XCTAssertEqual(env.networks.map(\.description), ["10.244.0.0/16"])
        XCTAssertEqual(env.subnet?.description, "10.244.1.1/24")
        XCTAssertEqual(env.mtu, 1450)
        XCTAssertEqual(env.ipMasq, true)
        XCTAssertEqual(env.errors, [])
        XCTAssertEqual(env.expectedBridgeAddresses.map(\.description), ["10.244.1.1/24"])
        XCTAssertEqual(env.podSubnets.map(\.description), ["10.244.1.0/24"])
    }

    func testSubnetEnvDualStackCRLFAndDuplicates() {
        let text = "FLANNEL_NETWORK=10.244.0.0/16\r\nFLANNEL_IPV6_NETWORK=fd00::/48\r\nFLANNEL_SUBNET=10.244.9.0/24\r\n"
            + "FLANNEL_IPV6_SUBNET=fd00:0:0:9::/64\r\nFLANNEL_MTU=1400\r\nFLANNEL_MTU=1450\r\nFLANNEL_IPMASQ=false\r\n"
        let env = SubnetEnvReport(path: "s", text: text)
        XCTAssertEqual(env.errors, [])
        XCTAssertEqual(env.mtu, 1450)
        XCTAssertEqual(env.ipMasq, false)
        XCTAssertEqual(env.values.count, 6)
        XCTAssertEqual(env.expectedBridgeAddresses.map(\.description), ["10.244.9.1/24", "fd00:0:0:9::1/64"])
    }

    func testSubnetEnvProblemsAreNotesNotFailures() {
        // flannel's own parser decides; the inspector keeps the raw lines and turns the error into a note.
        let env = SubnetEnvReport(path: "/x/subnet.env", text: "FLANNEL_NETWORK\nFLANNEL_SUBNET=10.244.1.1\nFLANNEL_MTU=1450 \n")
        XCTAssertNil(env.parsed)
        XCTAssertEqual(env.errors.count, 1)
        XCTAssertTrue(env.errors.first?.contains("FLANNEL_NETWORK") == true, "\(env.errors)")
        XCTAssertEqual(env.values.map(\.key), ["FLANNEL_SUBNET", "FLANNEL_MTU"])
        XCTAssertEqual(env.expectedBridgeAddresses, [])
        XCTAssertNil(env.mtu)
        let incomplete = SubnetEnvReport(path: "/x/subnet.env", text: "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n")
        XCTAssertEqual(incomplete.errors, ["/x/subnet.env is missing FLANNEL_MTU, FLANNEL_IPMASQ"])
    }

    func testReservationFiles() {
        let dir = "/d/cbr0"
        let a = IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "10.244.1.200", content: Array("ghost\r\neth0".utf8))
        XCTAssertEqual(a?.containerID, "ghost")
        XCTAssertEqual(a?.ifname, "eth0")
        XCTAssertEqual(a?.path, "/d/cbr0/10.244.1.200")
        XCTAssertEqual(a?.lockPath, "/d/cbr0/lock")
        let legacy = IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "fd00:1::2", content: Array("  abc \n".utf8))
        XCTAssertEqual(legacy?.containerID, "abc")
        XCTAssertNil(legacy?.ifname)
        XCTAssertEqual(legacy?.ip, IPAddress("fd00:1::2"))
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "last_reserved_ip.0", content: Array("10.244.1.4".utf8)))
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "lock", content: []))
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "boot_id", content: Array("b1\n".utf8)))
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: ".10.244.1.6.tmp-7-ab", content: Array("c\r\neth0".utf8)))
        // The record is host-local's: split at CR LF exactly, a bare LF is part of a legacy ID.
        XCTAssertEqual(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "10.244.1.7", content: Array("c7\r\neth1".utf8))?.ifname, "eth1")
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "10.244.1.5", content: Array(" \r\n".utf8)))
        XCTAssertNil(IPAllocation(storeDirectory: dir, network: "cbr0", fileName: "010.244.1.5", content: Array("x".utf8)))
    }

    func testSavedFlannelConfig() {
        let json = #"{"cniVersion":"1.0.0","hairpinMode":true,"ipMasq":false,"ipam":{"dataDir":"/tmp/D","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}"#
        let c = SavedFlannelConfig(containerID: "c1", path: "/f/c1", bytes: Array(json.utf8))
        XCTAssertNil(c.error)
        XCTAssertEqual(c.type, "bridge")
        XCTAssertEqual(c.network, "cbr0")
        XCTAssertEqual(c.ipMasq, false)
        XCTAssertEqual(c.subnets.map(\.description), ["10.244.1.0/24"])
        XCTAssertEqual(c.storeDirectory, "/tmp/D/cbr0")

        let defaulted = SavedFlannelConfig(containerID: "c1", path: "/f/c1",
                                           bytes: Array(#"{"name":"cbr0","type":"bridge","ipam":{"type":"host-local"}}"#.utf8))
        XCTAssertEqual(defaulted.storeDirectory, "/var/lib/cni/networks/cbr0")
        // `"dataDir": ""` is the default, as host-local reads it (not `/cbr0`).
        let empty = SavedFlannelConfig(containerID: "c1", path: "/f/c1",
                                       bytes: Array(#"{"name":"cbr0","type":"bridge","ipam":{"type":"host-local","dataDir":""}}"#.utf8))
        XCTAssertEqual(empty.storeDirectory, "/var/lib/cni/networks/cbr0")

        XCTAssertEqual(SavedFlannelConfig(containerID: "c", path: "p", bytes: []).error, "empty file")
        XCTAssertEqual(SavedFlannelConfig(containerID: "c", path: "p", bytes: Array("{\"na".utf8)).error, "not a JSON object")
        XCTAssertEqual(SavedFlannelConfig(containerID: "c", path: "p", bytes: Array("{\"name\":\"x\"}".utf8)).error, "no delegate \"type\"")
    }

    func testOptions() throws {
        let o = try InspectOptions(arguments: ["--netns", "node1", "--subnet-file=/tmp/s.env", "--bridge", "br9", "--ipam-dir", "/i",
                                               "--network", "cbr0", "--flannel-dir", "/f", "--json", "--fix", "-y"],
                                   environment: ["CNI_PATH": "/x:/y"])
        XCTAssertEqual(o.netns, "/run/netns/node1")
        XCTAssertEqual(o.subnetFile, "/tmp/s.env")
        XCTAssertEqual(o.bridge, "br9")
        XCTAssertEqual(o.ipamDirectory, "/i")
        XCTAssertEqual(o.network, "cbr0")
        XCTAssertEqual(o.flannelDirectory, "/f")
        XCTAssertEqual(o.cniPath, "/x:/y")
        XCTAssertTrue(o.json && o.fix && o.assumeYes)
        XCTAssertEqual(try InspectOptions(arguments: ["--netns", "/proc/1/ns/net"]).netns, "/proc/1/ns/net")
        XCTAssertEqual(try InspectOptions(arguments: ["--cni-path", "/opt/x"], environment: ["CNI_PATH": "/y"]).cniPath, "/opt/x")
        let defaults = try InspectOptions(arguments: [])
        XCTAssertEqual(defaults, InspectOptions())
        XCTAssertEqual(defaults.subnetFile, "/run/flannel/subnet.env")
        XCTAssertEqual(defaults.ipamDirectory, "/var/lib/cni/networks")
        XCTAssertEqual(defaults.flannelDirectory, "/var/lib/cni/flannel")
        XCTAssertEqual(defaults.cniPath, "/opt/cni/bin")
        for bad in [["--netns"], ["--bogus"], ["--network", "../etc"], ["--bridge="]] {
            XCTAssertThrowsError(try InspectOptions(arguments: bad), "\(bad)")
        }
    }

    func testUsageErrorsExitTwo() {
        XCTAssertEqual(InspectCommand.main(["--nope"], environment: [:]), 2)
        XCTAssertEqual(InspectCommand.main(["--help"], environment: [:]), 0)
    }
}
