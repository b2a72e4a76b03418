import CNITestSupport
import CNIValues
import FlannelSubnet
import Foundation
import XCTest

/// The `flannel` binary with our bridge + host-local in private namespaces: the node and pod
/// state of vxlan (MTU 1450), ipip (1480) and ipsec (1423) nodes, and DEL in the situations
/// where the reference leaks.
final class FlannelIntegrationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
    }

    private func subnetEnv(subnet: String, mtu: Int) -> String {
        "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=\(subnet)\nFLANNEL_MTU=\(mtu)\nFLANNEL_IPMASQ=true\n"
    }

    /// ADD for one pod and the kernel state a flannel node has (`ip a` and `ip route` in the pod;
    /// cni0 on the node).
    private func assertPodAdded(_ n: TestNode, _ pod: TestNamespace, id: String, prefix: String, host: Int, mtu: Int,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let r = n.flannel("ADD", pod: pod, containerID: id, config: n.config())
        XCTAssertEqual(r.status, 0, "stdout: \(r.stdout) stderr: \(r.stderr)", file: file, line: line)
        let ip = "\(prefix).\(host)"
        let gw = "\(prefix).1"
        let ips = r.json?["ips"]?.arrayValue ?? []
        XCTAssertEqual(ips.first?["address"]?.stringValue, "\(ip)/24", file: file, line: line)
        XCTAssertEqual(ips.first?["gateway"]?.stringValue, gw, file: file, line: line)
        let names = (r.json?["interfaces"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(names.first, "cni0", file: file, line: line)
        XCTAssertEqual(names.last, "eth0", file: file, line: line)

        let eth0 = try pod.ip(["addr", "show", "dev", "eth0"])
        XCTAssertTrue(eth0.contains("mtu \(mtu) "), eth0, file: file, line: line)
        XCTAssertTrue(eth0.contains("inet \(ip)/24 brd \(prefix).255 scope global eth0"), eth0, file: file, line: line)
        let routes = try pod.ip(["route"])
        XCTAssertTrue(routes.contains("default via \(gw) dev eth0"), routes, file: file, line: line)
        XCTAssertTrue(routes.contains("10.244.0.0/16 via \(gw) dev eth0"), routes, file: file, line: line)
        XCTAssertTrue(routes.contains("\(prefix).0/24 dev eth0 proto kernel scope link src \(ip)"), routes, file: file, line: line)
        XCTAssertTrue(try pod.ip(["route", "get", "10.244.200.9"]).contains("via \(gw) dev eth0"), file: file, line: line)

        let cni0 = try n.ip(["addr", "show", "dev", "cni0"])
        XCTAssertTrue(cni0.contains("mtu \(mtu) "), cni0, file: file, line: line)
        XCTAssertTrue(cni0.contains("inet \(gw)/24 brd \(prefix).255 scope global cni0"), cni0, file: file, line: line)
        XCTAssertTrue(try n.ip(["route"]).contains("\(prefix).0/24 dev cni0 proto kernel scope link src \(gw)"), file: file, line: line)
        let hairpin = try Command.check(["bridge", "-n", n.name, "-d", "link", "show"])
        XCTAssertTrue(hairpin.contains("hairpin on"), hairpin, file: file, line: line)
        XCTAssertEqual(try n.run(["sysctl", "-n", "net.ipv4.ip_forward"]).trimmingCharacters(in: .whitespacesAndNewlines), "1",
                       file: file, line: line)
        // FLANNEL_IPMASQ=true: flanneld masquerades, so the bridge must not (ipMasq false).
        let nat = try n.run(["iptables-save", "-t", "nat"])
        XCTAssertFalse(nat.contains("CNI-"), nat, file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/\(ip)"), file: file, line: line)
        XCTAssertNotNil(n.saved(id), file: file, line: line)
    }

    func testVxlanNodeLooksLikeTheSeedArticlesAndDelCleansUpWithoutSubnetEnv() throws {
        let n = try TestNode.flannel(subnetEnv: subnetEnv(subnet: "10.244.1.1/24", mtu: 1450))
        let pod1 = try n.newPod(loopbackUp: true)
        let pod2 = try n.newPod(loopbackUp: true)
        try assertPodAdded(n, pod1, id: "pod1", prefix: "10.244.1", host: 2, mtu: 1450)
        try assertPodAdded(n, pod2, id: "pod2", prefix: "10.244.1", host: 3, mtu: 1450)
        XCTAssertEqual(n.saved("pod1"), #"{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"dataDir":"\#(n.ipamDir)","ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}"#)
        let ports = try n.bridgePorts()
        XCTAssertEqual(ports.count, 2, "\(ports)")
        for port in ports {
            XCTAssertTrue(try n.ip(["link", "show", port]).contains("mtu 1450 "))
        }

        // flanneld is gone (node drained, subnet.env removed): DEL still cleans everything.
        try FileManager.default.removeItem(atPath: n.subnetFile)
        let del = n.flannel("DEL", pod: pod1, containerID: "pod1", config: n.config())
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(del.stdout, "")
        XCTAssertNotEqual(pod1.runAllowingFailure(["ip", "link", "show", "eth0"]).status, 0, "eth0 is gone")
        XCTAssertEqual(try n.bridgePorts().count, 1, "the host veth is gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.2"), "the IP is released")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.3"))
        XCTAssertNil(n.saved("pod1"), "the saved config is gone")
        XCTAssertEqual(n.flannel("DEL", pod: pod1, containerID: "pod1", config: n.config()).status, 0, "repeated DEL")

        // A DEL without netns (pod sandbox already gone) still releases the IP.
        pod2.delete()
        XCTAssertEqual(n.flannel("DEL", pod: nil, containerID: "pod2", config: n.config()).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.3"))
        XCTAssertNil(n.saved("pod2"))
        XCTAssertEqual(try n.bridgePortsAfterTeardown(), [], "pod2's veth went with its netns")
    }

    func testIpipNodeMTU1480() throws {
        // flannel-ipip-cross-node: eth0 10.244.1.2/24 MTU 1480, routes via 10.244.1.1.
        let n = try TestNode.flannel(subnetEnv: subnetEnv(subnet: "10.244.1.1/24", mtu: 1480))
        let pod = try n.newPod(loopbackUp: true)
        try assertPodAdded(n, pod, id: "ipip", prefix: "10.244.1", host: 2, mtu: 1480)
        XCTAssertEqual(n.flannel("DEL", pod: pod, containerID: "ipip", config: n.config()).status, 0)
        XCTAssertNil(n.saved("ipip"))
    }

    func testIpsecNodeMTU1423() throws {
        // flannel-ipsec-mode: eth0 mtu 1423, 10.244.2.x/24, default via 10.244.2.1, cni0 10.244.2.1/24.
        let n = try TestNode.flannel(subnetEnv: subnetEnv(subnet: "10.244.2.1/24", mtu: 1423))
        let pod = try n.newPod(loopbackUp: true)
        try assertPodAdded(n, pod, id: "ipsec", prefix: "10.244.2", host: 2, mtu: 1423)
        XCTAssertEqual(n.flannel("DEL", pod: pod, containerID: "ipsec", config: n.config()).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.2.2"))
    }

    func testFailedDelegateDelKeepsTheSavedFileForTheRetry() throws {
        let n = try TestNode.flannel(subnetEnv: subnetEnv(subnet: "10.244.1.1/24", mtu: 1450))
        try n.useFailingIPAM()
        let pod = try n.newPod(loopbackUp: true)
        XCTAssertEqual(n.flannel("ADD", pod: pod, containerID: "p", config: n.config()).status, 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: n.extraPluginDir + "/fail-DEL", contents: Data()))
        let failed = n.flannel("DEL", pod: pod, containerID: "p", config: n.config())
        XCTAssertEqual(failed.status, 1, failed.stdout)
        XCTAssertTrue((failed.json?["msg"]?.stringValue ?? "").contains("host-local DEL failed on purpose"), failed.stdout)
        XCTAssertNotNil(n.saved("p"), "kept: the reference removes it here and leaks the IP")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.2"))
        try FileManager.default.removeItem(atPath: n.extraPluginDir + "/fail-DEL")
        let retry = n.flannel("DEL", pod: pod, containerID: "p", config: n.config())
        XCTAssertEqual(retry.status, 0, retry.stdout)
        XCTAssertNil(n.saved("p"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(n.ipamDir)/cbr0/10.244.1.2"), "the retry released the IP")
        XCTAssertEqual(try n.bridgePorts(), [])
    }

    func testFailedDelegateAddRemovesTheSavedFileAndLeavesNothingBehind() throws {
        let n = try TestNode.flannel(subnetEnv: subnetEnv(subnet: "10.244.1.1/24", mtu: 1450))
        try n.useFailingIPAM()
        let pod = try n.newPod(loopbackUp: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: n.extraPluginDir + "/fail-ADD", contents: Data()))
        let r = n.flannel("ADD", pod: pod, containerID: "p", config: n.config())
        XCTAssertEqual(r.status, 1, r.stdout)
        let msg = r.json?["msg"]?.stringValue ?? ""
        XCTAssertTrue(msg.hasPrefix("failed to delegate add: "), msg)
        XCTAssertTrue(msg.contains("host-local ADD failed on purpose"), msg)
        XCTAssertNil(n.saved("p"))
        XCTAssertNotEqual(pod.runAllowingFailure(["ip", "link", "show", "eth0"]).status, 0, "no half-made eth0")
        XCTAssertEqual(try n.bridgePorts(), [])
        // The runtime's DEL after the failed ADD has nothing left to do and succeeds.
        XCTAssertEqual(n.flannel("DEL", pod: pod, containerID: "p", config: n.config()).status, 0)
    }

    func testMissingSubnetEnvIsAClearError() throws {
        let n = try TestNode.flannel(subnetEnv: nil)
        let pod = try n.newPod(loopbackUp: true)
        let r = n.flannel("ADD", pod: pod, containerID: "p", config: n.config())
        XCTAssertEqual(r.status, 1)
        let msg = r.json?["msg"]?.stringValue ?? ""
        XCTAssertTrue(msg.contains("failed to load flannel 'subnet.env' file: open \(n.subnetFile): no such file or directory"), msg)
        XCTAssertTrue(msg.contains("flanneld is probably not running"), msg)
        XCTAssertEqual(try n.ip(["-o", "link"]).contains("cni0"), false, "nothing was created")
    }
}
