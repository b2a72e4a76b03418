import CNIValues
import XCTest
@testable import CNIInspect

/// The pure formatters: aligned tables, the human report, the JSON report.
final class ReportTests: XCTestCase {
    typealias F = SnapshotFixtures

    func testTableAlignment() {
        var t = TextTable(headers: ["NAME", "N", "NOTE"], rightAligned: [1])
        t.append(["a", "1", "x"])
        t.append(["longer-name", "1234", ""])
        t.append(["b"])
        XCTAssertEqual(t.render(indent: "  "), """
              NAME            N  NOTE
              a               1  x
              longer-name  1234
              b
            """)
        XCTAssertEqual(TextTable(headers: []).render(), "")
    }

    static let leakyReport = """
        node netns: /run/netns/node

        subnet.env /run/flannel/subnet.env:
          FLANNEL_NETWORK=10.244.0.0/16
          FLANNEL_SUBNET=10.244.1.1/24
          FLANNEL_MTU=1450
          FLANNEL_IPMASQ=true
          cni0 address 10.244.1.1/24: agrees
          cni0 mtu 1450: agrees

        bridge cni0: ifindex 2, mtu 1450, mac 0e:00:00:00:00:aa, up, 10.244.1.1/24, 2 ports
          PORT          IFINDEX  PEER  POD NETNS        IF    POD IP         POD MAC            MTU   HAIRPIN  CONTAINER
          veth00000001        3     2  /run/netns/pod1  eth0  10.244.1.2/24  0a:00:00:00:00:01  1450  on       c1
          veth00000002        4     2  /run/netns/pod2  eth0  10.244.1.3/24  0a:00:00:00:00:02  1450  on       c2

        host-local store /var/lib/cni/networks: 4 reservations
          NETWORK  IP            CONTAINER  IFNAME  HELD BY
          cbr0     10.244.1.2    c1         eth0    veth00000001 (/run/netns/pod1)
          cbr0     10.244.1.3    c2         eth0    veth00000002 (/run/netns/pod2)
          cbr0     10.244.1.4    c3         eth0    - (no live pod)
          cbr0     10.244.1.200  ghost      eth0    - (no live pod)

        flannel saved configs /var/lib/cni/flannel: 3
          CONTAINER  TYPE    NETWORK  IPS         STATE
          c1         bridge  cbr0     10.244.1.2  ok
          c2         bridge  cbr0     10.244.1.3  ok
          c3         bridge  cbr0     10.244.1.4  ok

        hostPort mappings: 3
          CONTAINER  NETWORK  BACKEND   PROTO  HOST PORT  DESTINATION      CHAIN
          c1         cbr0     iptables  tcp         8080  10.244.1.2:80    CNI-DN-68f1f1eeb62cad3d0bdd5
          c3         cbr0     iptables  tcp         9090  10.244.1.4:90    CNI-DN-662669a376b5be5169f1e
          gone       cbr0     iptables  tcp         7777  10.244.1.250:77  CNI-DN-61ea6d12bd4d9ef12ea15
        masquerade rules: 0

        problems: 3
        1. [stale-container] container c3 has no live pod (netns deleted without CNI DEL?) but left 1 IP reservation, a saved flannel config, 2 NAT rules/chains
             - IP 10.244.1.4 (network cbr0, ifname eth0): /var/lib/cni/networks/cbr0/10.244.1.4
             - saved flannel config: /var/lib/cni/flannel/c3 (type bridge)
             - hostPort tcp 9090 -> 10.244.1.4:90 (iptables)
             - iptables nat rule -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"c3\\"" -m multiport --dports 9090 -j CNI-DN-662669a376b5be5169f1e
             - iptables nat chain CNI-DN-662669a376b5be5169f1e
           fix (in order, stop at the first failure):
             $ nsenter --net=/run/netns/node iptables-restore --noflush -w 10 <<'EOF'
               *nat
               -D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"c3\\"" -m multiport --dports 9090 -j CNI-DN-662669a376b5be5169f1e
               -F CNI-DN-662669a376b5be5169f1e
               -X CNI-DN-662669a376b5be5169f1e
               COMMIT
               EOF
             $ CNI_COMMAND=DEL CNI_CONTAINERID=c3 CNI_IFNAME=eth0 CNI_NETNS= CNI_PATH=/opt/cni/bin nsenter --net=/run/netns/node /opt/cni/bin/bridge < /var/lib/cni/flannel/c3
             $ rm -f /var/lib/cni/flannel/c3
        2. [leaked-ip] 10.244.1.200 allocated to container ghost, which no live pod holds
             - IP 10.244.1.200 (network cbr0, ifname eth0): /var/lib/cni/networks/cbr0/10.244.1.200
           fix (in order, stop at the first failure):
             $ flock /var/lib/cni/networks/cbr0/lock rm -f /var/lib/cni/networks/cbr0/10.244.1.200
        3. [stale-rules] NAT rules for container gone, which has no IP and no pod
             - hostPort tcp 7777 -> 10.244.1.250:77 (iptables)
             - iptables nat rule -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"gone\\"" -m multiport --dports 7777 -j CNI-DN-61ea6d12bd4d9ef12ea15
             - iptables nat chain CNI-DN-61ea6d12bd4d9ef12ea15
           fix (in order, stop at the first failure):
             $ nsenter --net=/run/netns/node iptables-restore --noflush -w 10 <<'EOF'
               *nat
               -D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"gone\\"" -m multiport --dports 7777 -j CNI-DN-61ea6d12bd4d9ef12ea15
               -F CNI-DN-61ea6d12bd4d9ef12ea15
               -X CNI-DN-61ea6d12bd4d9ef12ea15
               COMMIT
               EOF

        """

    func testHumanReportGolden() {
        let s = F.leaky()
        let context = CleanupStep.Context(nodeNetns: "/run/netns/node")
        let text = HumanReport(snapshot: s, problems: ProblemFinder(snapshot: s, context: context).problems(), context: context).render()
        XCTAssertEqual(text, Self.leakyReport)
        if text != Self.leakyReport { print(text) }
    }

    func testHumanReportOfAnEmptyNode() {
        var s = NodeSnapshot()
        s.notes = ["subnet.env: open /run/flannel/subnet.env: no such file or directory"]
        XCTAssertEqual(HumanReport(snapshot: s, problems: []).render(), """
            node netns: (this one)

            subnet.env /run/flannel/subnet.env: not readable (see notes)

            bridge cni0: not found

            host-local store /var/lib/cni/networks: 0 reservations

            flannel saved configs /var/lib/cni/flannel: 0

            hostPort mappings: 0
            masquerade rules: 0

            problems: none

            notes:
              - subnet.env: open /run/flannel/subnet.env: no such file or directory

            """)
    }

    func testJSONReportKeysAndValues() throws {
        let s = F.leaky()
        let problems = ProblemFinder(snapshot: s).problems()
        let value = ReportJSON.value(s, problems: problems, context: CleanupStep.Context())
        let text = ReportJSON.text(value)
        XCTAssertEqual(text, ReportJSON.text(try JSONParser.parse(text)), "serialisation is stable")
        let top = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(top.keys, ["bridge", "flannel", "hostPorts", "ipam", "masquerade", "netns", "notes", "pods", "problems", "subnetEnv"])
        let pods = try XCTUnwrap(value["pods"]?.arrayValue)
        XCTAssertEqual(pods.map { $0["containerID"]?.stringValue }, ["c1", "c2"])
        XCTAssertEqual(pods.first?["ips"], .array(["10.244.1.2/24"]))
        XCTAssertEqual(pods.first?["hostVeth"], "veth00000001")
        XCTAssertEqual(pods.first?["hairpin"], .bool(true))
        XCTAssertEqual(value["subnetEnv"]?["bridgeAddressAgrees"], .bool(true))
        XCTAssertEqual(value["subnetEnv"]?["mtu"], .int(1450))
        let allocations = try XCTUnwrap(value["ipam"]?["allocations"]?.arrayValue)
        XCTAssertEqual(allocations.map { $0["heldBy"] }, ["veth00000001", "veth00000002", .null, .null])
        let found = try XCTUnwrap(value["problems"]?.arrayValue)
        XCTAssertEqual(found.map { $0["kind"]?.stringValue }, ["stale-container", "leaked-ip", "stale-rules"])
        XCTAssertEqual(found.map { $0["subject"]?.stringValue }, ["c3", "ghost", "gone"])
        XCTAssertEqual(found[1]["commands"], .array(["flock /var/lib/cni/networks/cbr0/lock rm -f /var/lib/cni/networks/cbr0/10.244.1.200"]))
        XCTAssertTrue(text.contains("\"bridgeMTUAgrees\" : true") || text.contains("\"bridgeMTUAgrees\": true"), text)
    }
}
