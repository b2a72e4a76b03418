import CNITestSupport
import Foundation
import XCTest

/// `vlan` / `vlanTrunk`: host ports become access or trunk ports of a VLAN-filtering bridge. On a
/// kernel without CONFIG_BRIDGE_VLAN_FILTERING the ADD must fail cleanly instead.
final class BridgeVlanTests: BridgeNodeTestCase {
    private func kernelFiltersVLANs(_ node: TestNode) -> Bool {
        let probe = node.runAllowingFailure(["ip", "link", "add", "vlanprobe", "type", "bridge", "vlan_filtering", "1"])
        node.runAllowingFailure(["ip", "link", "del", "vlanprobe"])
        return probe.status == 0
    }

    func testWithoutKernelSupportTheAddFailsCleanly() throws {
        let node = try XCTUnwrap(node)
        try XCTSkipIf(kernelFiltersVLANs(node), "this kernel filters VLANs: see testAccessPortAndVlanGateway")
        let pod = try node.newPod()
        let r = node.run("ADD", id: "v0", netns: pod.path, config: node.config(extra: ["bridge": "brv", "vlan": 100]))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("CONFIG_BRIDGE_VLAN_FILTERING"), r.stdout)
        XCTAssertEqual(try node.veths(), [])
        XCTAssertEqual(node.reservations(), [])
        XCTAssertFalse(try pod.ip(["link", "show"]).contains("eth0"))
    }

    func testAccessPortAndVlanGateway() throws {
        let node = try XCTUnwrap(node)
        try XCTSkipUnless(kernelFiltersVLANs(node), "kernel without CONFIG_BRIDGE_VLAN_FILTERING")
        let pod = try node.newPod()
        let config = node.config(extra: ["bridge": "brv", "vlan": 100, "isGateway": true])
        let r = try node.add(id: "v1", pod: pod, config: config)
        let names = r.interfaceNames
        XCTAssertEqual(names.last, "brv.100", "the VLAN gateway interface is reported")
        XCTAssertTrue(try node.ip(["addr", "show", "brv.100"]).contains("inet 10.99.0.1/24"))
        let vlans = try node.run(["bridge", "vlan", "show"])
        XCTAssertTrue(vlans.contains("100") && vlans.contains("PVID") && vlans.contains("Untagged"), vlans)
        XCTAssertTrue(node.ping(from: pod, "10.99.0.1"), "the gateway answers on the VLAN")
        XCTAssertEqual(node.run("DEL", id: "v1", netns: pod.path, config: config).status, 0)
    }

    func testTrunkPort() throws {
        let node = try XCTUnwrap(node)
        try XCTSkipUnless(kernelFiltersVLANs(node), "kernel without CONFIG_BRIDGE_VLAN_FILTERING")
        let pod = try node.newPod()
        let config = node.config(extra: ["bridge": "brt", "vlanTrunk": [["id": 5], ["minID": 10, "maxID": 12]]])
        let r = try node.add(id: "t1", pod: pod, config: config)
        let port = try XCTUnwrap(r.interfaceNames.dropFirst().first)
        let vlans = try node.run(["bridge", "vlan", "show", "dev", port])
        for vid in ["5", "10", "11", "12"] { XCTAssertTrue(vlans.contains(" \(vid)"), vlans) }
        XCTAssertFalse(vlans.contains("1 PVID"), "the default VLAN is removed (preserveDefaultVlan false)")
    }
}
