import CNITestSupport
import Foundation
import XCTest

/// Nodes built by hand with `ip` and `nft` (the reference layouts, no plugins): a veth whose pod netns is
/// alive but visible nowhere (only a stray bind mount holds it) and a pod whose MTU disagrees
/// with subnet.env; an nftables hostPort rule of a gone container.
final class InspectLinkIntegrationTests: XCTestCase {
    func testVethWithoutVisiblePodAndMTUMismatch() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bin = try XCTUnwrap(PluginBinaries.executable, "cni-plugins not built (set CNI_PLUGINS_BIN)")
        let node = try TestNode(prefix: "ins", subnetEnv: TestNode.vxlanSubnetEnv)
        let pod = try node.newPod(loopbackUp: true)
        let hidden = try node.newPod(prefix: "inshide")
        let holder = node.root.file("held-netns")
        try Data().write(to: URL(fileURLWithPath: holder))
        try Command.check(["mount", "--bind", hidden.path, holder])
        defer { Command.run(["umount", holder]) }

        try node.addBridge(addresses: ["10.244.1.1/24"], mtu: 1450)
        try node.ip(["link", "add", "vethaaaa0001", "mtu", "1450", "type", "veth", "peer", "name", "eth0", "mtu", "1500", "netns", pod.name])
        try node.ip(["link", "add", "vethbbbb0002", "mtu", "1450", "type", "veth", "peer", "name", "eth0", "netns", hidden.name])
        for veth in ["vethaaaa0001", "vethbbbb0002"] {
            try node.ip(["link", "set", veth, "master", "cni0", "up"])
        }
        try pod.ip(["addr", "add", "10.244.1.2/24", "dev", "eth0"])
        try pod.ip(["link", "set", "eth0", "up"])
        let store = node.ipamDir + "/cbr0"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try "pod-a\r\neth0".write(toFile: store + "/10.244.1.2", atomically: true, encoding: .utf8)
        hidden.delete()  // `ip netns delete`: gone from /run/netns, alive through the bind mount

        let args = try Self.inspectArguments(node)
        let first = Command.run([bin] + args)
        XCTAssertEqual(first.status, 3, first.stderr)
        let report = try InspectReport(json: first.stdout)
        XCTAssertEqual(report.problems.map { "\($0.kind) \($0.subject) fixable: \($0.fixable)" },
                       ["veth-without-pod vethbbbb0002 fixable: true", "mtu-mismatch pod-a fixable: false"], "\(report.problems)")
        let ports = try XCTUnwrap(report.bridge?.ports)
        XCTAssertEqual(ports.map { "\($0.name) \($0.match) \($0.podNetns ?? "-")" }.sorted(),
                       ["vethaaaa0001 exact \(pod.path)", "vethbbbb0002 none -"])

        let declined = Command.run([bin] + args + ["--fix"], stdin: "n\n")
        XCTAssertEqual(declined.status, 1, declined.stderr)
        XCTAssertTrue(declined.stderr.contains("[veth-without-pod] vethbbbb0002"), declined.stderr)
        XCTAssertTrue(try node.ip(["-o", "link", "show"]).contains("vethbbbb0002"), "declined: nothing deleted")

        let fixed = Command.run([bin] + args + ["--fix", "--yes"])
        XCTAssertEqual(fixed.status, 3, "the MTU mismatch is left to a human: \(fixed.stdout)")
        XCTAssertEqual(try InspectReport(json: fixed.stdout).problems.map(\.kind), ["mtu-mismatch"])
        let links = try node.ip(["-o", "link", "show"])
        XCTAssertFalse(links.contains("vethbbbb0002"), links)
        XCTAssertTrue(links.contains("vethaaaa0001"), links)

        let nothing = Command.run([bin] + args.dropLast() + ["--fix"], stdin: "n\n")
        XCTAssertEqual(nothing.status, 3, "nothing fixable is left, so nothing is asked: \(nothing.stdout) \(nothing.stderr)")
        XCTAssertTrue(nothing.stdout.hasSuffix("nothing to fix\n"), nothing.stdout)
    }

    /// portmap's nftables backend (`containernetworking/plugins:plugins/meta/portmap/portmap_nftables.go`): a rule of a gone container is found and deleted by handle.
    func testNftHostPortRuleOfAGoneContainer() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bin = try XCTUnwrap(PluginBinaries.executable, "cni-plugins not built (set CNI_PLUGINS_BIN)")
        let node = try TestNode(prefix: "ins", subnetEnv: TestNode.vxlanSubnetEnv)
        try node.addBridge(addresses: ["10.244.1.1/24"], mtu: 1450, up: false)
        try node.run(["nft", "-f", "-"], stdin: """
            add table ip cni_hostport { comment "CNI portmap plugin" ; }
            add chain ip cni_hostport hostports
            add chain ip cni_hostport masquerading { type nat hook postrouting priority 100 ; }
            add rule ip cni_hostport hostports tcp dport 8443 dnat to 10.244.1.9:443 comment "gone-nft"
            add rule ip cni_hostport masquerading ip saddr 10.244.1.9 ip daddr 10.244.1.9 masquerade comment "gone-nft"
            add rule ip cni_hostport hostports tcp dport 9443 dnat to 10.99.0.9:443 comment "other-network"

            """)
        let args = try Self.inspectArguments(node)
        let first = Command.run([bin] + args)
        XCTAssertEqual(first.status, 3, first.stderr)
        let report = try InspectReport(json: first.stdout)
        XCTAssertEqual(report.hostPorts.map { "\($0.containerID) \($0.backend) \($0.hostPort) \($0.destination)" },
                       ["gone-nft nftables 8443 10.244.1.9:443", "other-network nftables 9443 10.99.0.9:443"])
        XCTAssertEqual(report.problemList, ["stale-rules gone-nft"], "\(report.problems)")

        let fixed = Command.run([bin] + args + ["--fix", "--yes"])
        XCTAssertEqual(fixed.status, 0, fixed.stdout + fixed.stderr)
        let table = try node.run(["nft", "list", "table", "ip", "cni_hostport"])
        XCTAssertFalse(table.contains("gone-nft"), table)
        XCTAssertTrue(table.contains("other-network"), table)
    }

    /// `inspect --json` pointed at the node's netns and temp tree.
    static func inspectArguments(_ node: TestNode) throws -> [String] {
        try ["inspect", "--netns", node.path, "--subnet-file", node.subnetFile, "--ipam-dir", node.ipamDir,
             "--flannel-dir", node.flannelDir] + InstallFixture.arguments(in: node.root.path) + ["--json"]
    }
}
