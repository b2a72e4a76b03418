import CNIFirewall
import CNIValues
import XCTest
@testable import CNIInspect

/// Cleanup steps and the commands they print.
final class CleanupPlanTests: XCTestCase {
    typealias F = SnapshotFixtures

    func testStaleContainerPlanAndCommands() throws {
        let stale = try XCTUnwrap(ProblemFinder(snapshot: F.leaky()).problems().first)
        let chain = ChainName.portmapDNAT(network: "cbr0", containerID: "c3")
        let context = CleanupStep.Context(nodeNetns: "/run/netns/node", cniPath: "/opt/cni/bin:/usr/lib/cni",
                                          plugins: ["bridge": "/usr/lib/cni/bridge"])
        XCTAssertEqual(stale.steps.map { $0.command(in: context) }, [
            """
            nsenter --net=/run/netns/node iptables-restore --noflush -w 10 <<'EOF'
            *nat
            -D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"c3\\"" -m multiport --dports 9090 -j \(chain)
            -F \(chain)
            -X \(chain)
            COMMIT
            EOF
            """,
            "CNI_COMMAND=DEL CNI_CONTAINERID=c3 CNI_IFNAME=eth0 CNI_NETNS= CNI_PATH=/opt/cni/bin:/usr/lib/cni "
                + "nsenter --net=/run/netns/node /usr/lib/cni/bridge < /var/lib/cni/flannel/c3",
            "rm -f /var/lib/cni/flannel/c3",
        ])
    }

    func testReservationsTheDelegateDoesNotReachAreReleasedDirectly() {
        var trace = ContainerTrace(containerID: "c5")
        trace.allocations = [F.allocation("10.244.1.5", "c5"), F.allocation("10.244.1.6", "c5", ifname: "net1", store: "/elsewhere/cbr0")]
        trace.savedConfig = F.saved("c5")
        XCTAssertEqual(CleanupPlan.steps(for: trace), [
            .pluginDel(type: "bridge", containerID: "c5", ifname: "eth0", configPath: "/var/lib/cni/flannel/c5"),
            .pluginDel(type: "bridge", containerID: "c5", ifname: "net1", configPath: "/var/lib/cni/flannel/c5"),
            .removeFile(path: "/var/lib/cni/flannel/c5"),
            .releaseIP(path: "/elsewhere/cbr0/10.244.1.6", lockPath: "/elsewhere/cbr0/lock", containerID: "c5"),
        ])
    }

    func testUnusableSavedConfigIsRemovedAndIPsReleasedDirectly() {
        var trace = ContainerTrace(containerID: "c6")
        trace.allocations = [F.allocation("10.244.1.7", "c6")]
        trace.savedConfig = SavedFlannelConfig(containerID: "c6", path: "/f/c6", bytes: Array("{".utf8))
        XCTAssertEqual(CleanupPlan.steps(for: trace), [
            .removeFile(path: "/f/c6"),
            .releaseIP(path: "/var/lib/cni/networks/cbr0/10.244.1.7", lockPath: "/var/lib/cni/networks/cbr0/lock", containerID: "c6"),
        ])
    }

    func testRuleDeletionsComeBeforeChainsPerFamily() {
        let state = IptablesStateParser.parse(FirewallParserTests.iptablesSave, ipv6: false)
        let steps = CleanupPlan.firewallSteps(state.artifacts.filter { $0.containerID == "c2" })
        XCTAssertEqual(steps, [.iptablesRestore(ipv6: false, text: #"""
            *nat
            -D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b
            -D CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 5353 -j CNI-DN-a0fff058eeb324ed03b3b
            -D POSTROUTING -s 10.244.1.3/32 -m comment --comment "name: \"cbr0\" id: \"c2\"" -j CNI-a0fff058eeb324ed03b3bf6f
            -F CNI-DN-a0fff058eeb324ed03b3b
            -F CNI-a0fff058eeb324ed03b3bf6f
            -X CNI-DN-a0fff058eeb324ed03b3b
            -X CNI-a0fff058eeb324ed03b3bf6f
            COMMIT

            """#)])
        let v6 = CleanupPlan.firewallSteps([FirewallArtifact(containerID: "x", network: nil, purpose: .hostPort,
                                                             item: .iptablesChain(ipv6: true, name: "CNI-DN-a0fff058eeb324ed03b3b"))])
        XCTAssertEqual(v6.first?.command(in: CleanupStep.Context()), """
            ip6tables-restore --noflush -w 10 <<'EOF'
            *nat
            -F CNI-DN-a0fff058eeb324ed03b3b
            -X CNI-DN-a0fff058eeb324ed03b3b
            COMMIT
            EOF
            """)
    }

    func testCommandsQuoteWhatComesFromTheNode() {
        let ctx = CleanupStep.Context(nodeNetns: "/run/netns/my node", cniPath: "/opt/cni/bin")
        XCTAssertEqual(CleanupStep.pluginDel(type: "bridge", containerID: "it's", ifname: "eth0", configPath: "/f/it's").command(in: ctx),
                       "CNI_COMMAND=DEL CNI_CONTAINERID='it'\\''s' CNI_IFNAME=eth0 CNI_NETNS= CNI_PATH=/opt/cni/bin "
                       + "nsenter --net='/run/netns/my node' /opt/cni/bin/bridge < '/f/it'\\''s'")
        XCTAssertEqual(CleanupStep.releaseIP(path: "/s/cbr0/10.0.0.2", lockPath: "/s/cbr0/lock", containerID: "x").command(in: ctx),
                       "flock /s/cbr0/lock rm -f /s/cbr0/10.0.0.2")
        XCTAssertEqual(CleanupStep.deleteLink(name: "veth1234abcd").command(in: CleanupStep.Context()), "ip link del veth1234abcd")
        XCTAssertEqual(ShellWords.quote(""), "''")
        XCTAssertEqual(ShellWords.quote("a;b"), "'a;b'")
        XCTAssertEqual(ShellWords.quote("fd00::1"), "fd00::1")
    }
}
