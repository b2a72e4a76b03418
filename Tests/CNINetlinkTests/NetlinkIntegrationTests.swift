import CNINetlink
import CNISystem
import CNITestSupport
import CNIValues
import XCTest

/// Against the real kernel, each test inside its own throwaway network namespace(s).
final class NetlinkIntegrationTests: XCTestCase {
    private var namespaces: [TestNamespace] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "needs root: creates network namespaces")
    }

    override func tearDown() {
        for ns in namespaces { ns.delete() }
        namespaces = []
    }

    /// A fresh namespace and a netlink socket opened inside it.
    private func makeNamespace() throws -> (TestNamespace, NetworkNamespace, NetlinkSocket) {
        let ns = try TestNamespace()
        namespaces.append(ns)
        let handle = try NetworkNamespace(path: ns.path)
        return (ns, handle, try NetlinkSocket(in: handle))
    }

    private func index(_ socket: NetlinkSocket, _ name: String) throws -> InterfaceIndex {
        try XCTUnwrap(try socket.link(named: name), "no link \(name)").index
    }

    func testSocketActsInsideItsNamespaceOnly() throws {
        let (_, _, nl) = try makeNamespace()
        XCTAssertEqual(try nl.links().map(\.name), ["lo"])
    }

    func testBridgeLifecycle() throws {
        let (ns, _, nl) = try makeNamespace()
        try nl.createBridge(name: "br0", mtu: 1400, vlanFiltering: false)
        XCTAssertThrowsError(try nl.createBridge(name: "br0", mtu: nil, vlanFiltering: false)) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .fileExists)
        }
        var br = try XCTUnwrap(try nl.link(named: "br0"))
        XCTAssertEqual(br.kind, "bridge")
        XCTAssertEqual(br.mtu, 1400)
        XCTAssertEqual(br.vlanFiltering, false)
        XCTAssertFalse(br.isUp)

        try nl.setLinkUp(index: br.index)
        try nl.setMTU(index: br.index, mtu: 1300)
        try nl.setMAC(index: br.index, mac: try XCTUnwrap(MACAddress("02:42:ac:11:00:01")))
        try nl.setPromiscuous(index: br.index, on: true)
        br = try XCTUnwrap(try nl.link(index: br.index))
        XCTAssertTrue(br.isUp)
        XCTAssertTrue(br.promiscuous)
        XCTAssertEqual(br.mtu, 1300)
        XCTAssertEqual(br.mac, MACAddress("02:42:ac:11:00:01"))
        let shown = try ns.ip(["-d", "link", "show", "br0"])
        XCTAssertTrue(shown.contains("mtu 1300"), shown)
        XCTAssertTrue(shown.contains("promiscuity 1"), shown)
        XCTAssertTrue(try nl.links().contains { $0.name == "br0" })

        try nl.deleteLink(index: br.index)
        XCTAssertNil(try nl.link(named: "br0"))
        XCTAssertThrowsError(try nl.deleteLink(index: br.index)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, .noSuchDevice)
        }
    }

    func testVethPeerPlacedInAnotherNamespaceInOneRequest() throws {
        let (hostNS, _, host) = try makeNamespace()
        let (podNS, podHandle, pod) = try makeNamespace()
        let hostMAC = try XCTUnwrap(MACAddress("02:00:00:00:00:01"))
        let podMAC = try XCTUnwrap(MACAddress("02:00:00:00:00:02"))
        try host.createVethPair(LinkAttributes(name: "veth0", mtu: 1410, mac: hostMAC, txQueueLength: 0),
                                peer: LinkAttributes(name: "eth0", mtu: 1410, mac: podMAC, txQueueLength: 500, namespace: podHandle))
        let hostEnd = try XCTUnwrap(try host.link(named: "veth0"))
        let podEnd = try XCTUnwrap(try pod.link(named: "eth0"))
        XCTAssertNil(try host.link(named: "eth0"), "the peer must not appear in the creating namespace")
        XCTAssertEqual(hostEnd.kind, "veth")
        XCTAssertEqual(hostEnd.mac, hostMAC)
        XCTAssertEqual(hostEnd.parentIndex, podEnd.index)
        XCTAssertNotNil(hostEnd.linkNetnsID)
        XCTAssertEqual(podEnd.mac, podMAC)
        XCTAssertEqual(podEnd.mtu, 1410)
        let shown = try podNS.ip(["-d", "link", "show", "eth0"])
        XCTAssertTrue(shown.contains("veth"), shown)
        XCTAssertTrue(shown.contains("02:00:00:00:00:02"), shown)
        XCTAssertTrue(shown.contains("mtu 1410"), shown)
        XCTAssertTrue(shown.contains("qlen 500"), shown)
        XCTAssertFalse(try hostNS.ip(["link", "show", "veth0"]).contains("qlen"), "txqueuelen 0: no qlen shown")
        XCTAssertTrue(try hostNS.ip(["link", "show", "veth0"]).contains("veth0@if\(podEnd.index)"))

        XCTAssertThrowsError(try host.createVethPair(LinkAttributes(name: "veth0"),
                                                     peer: LinkAttributes(name: "eth1", namespace: podHandle))) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .fileExists)
        }
        try host.deleteLink(index: hostEnd.index)
        XCTAssertNil(try pod.link(named: "eth0"), "deleting one end removes the peer")
    }

    func testMasterHairpinAndIsolation() throws {
        let (ns, _, nl) = try makeNamespace()
        let (_, podHandle, _) = try makeNamespace()
        try nl.createBridge(name: "cni0", mtu: nil, vlanFiltering: false)
        let bridge = try index(nl, "cni0")
        try nl.createVethPair(LinkAttributes(name: "vethA"), peer: LinkAttributes(name: "eth0", namespace: podHandle))
        let port = try index(nl, "vethA")
        try nl.setLink(index: port, LinkAttributes(masterIndex: bridge, isUp: true))
        try nl.setBridgePort(index: port, hairpin: true, isolated: true)

        let link = try XCTUnwrap(try nl.link(index: port))
        XCTAssertEqual(link.masterIndex, bridge)
        XCTAssertEqual(link.hairpin, true)
        XCTAssertEqual(link.isolated, true)
        let shown = try ns.run(["bridge", "-d", "link", "show", "dev", "vethA"])
        XCTAssertTrue(shown.contains("hairpin on"), shown)
        XCTAssertTrue(shown.contains("isolated on"), shown)

        try nl.setBridgePort(index: port, hairpin: false, isolated: nil)
        XCTAssertEqual(try nl.link(index: port)?.hairpin, false)

        try nl.setMaster(index: port, masterIndex: 0)
        XCTAssertNil(try nl.link(index: port)?.masterIndex)
    }

    func testBridgeVLANs() throws {
        let (ns, _, nl) = try makeNamespace()
        let (_, podHandle, _) = try makeNamespace()
        do {
            try nl.createBridge(name: "cni0", mtu: nil, vlanFiltering: true)
        } catch let e as NetlinkError where e.errno == .notSupported {
            throw XCTSkip("kernel built without CONFIG_BRIDGE_VLAN_FILTERING")
        }
        let bridge = try index(nl, "cni0")
        XCTAssertEqual(try nl.link(index: bridge)?.vlanFiltering, true)
        XCTAssertTrue(try ns.ip(["-d", "link", "show", "cni0"]).contains("vlan_filtering 1"))
        try nl.createVethPair(LinkAttributes(name: "vethA"), peer: LinkAttributes(name: "eth0", namespace: podHandle))
        let port = try index(nl, "vethA")
        try nl.setMaster(index: port, masterIndex: bridge)

        try nl.addBridgeVLAN(portIndex: port, vid: 100, pvid: true, untagged: true)
        try nl.addBridgeVLAN(portIndex: bridge, vid: 100, pvid: false, untagged: false, bridgeSelf: true)
        var vlans = try ns.run(["bridge", "vlan", "show", "dev", "vethA"])
        XCTAssertTrue(vlans.contains("100 PVID Egress Untagged"), vlans)
        XCTAssertTrue(try ns.run(["bridge", "vlan", "show", "dev", "cni0"]).contains("100"))
        try nl.deleteBridgeVLAN(portIndex: port, vid: 100)
        vlans = try ns.run(["bridge", "vlan", "show", "dev", "vethA"])
        XCTAssertFalse(vlans.contains("100"), vlans)

        try nl.setBridgeVLANFiltering(index: bridge, on: false)
        XCTAssertEqual(try nl.link(index: bridge)?.vlanFiltering, false)
    }

    func testAddresses() throws {
        let (ns, _, nl) = try makeNamespace()
        try nl.createBridge(name: "br0", mtu: nil, vlanFiltering: false)
        let br = try index(nl, "br0")
        try nl.setLinkUp(index: br)
        let v4 = try XCTUnwrap(IPNetwork("10.1.2.3/24")), v6 = try XCTUnwrap(IPNetwork("fd00::5/64"))
        try nl.addAddress(index: br, v4)
        try nl.addAddress(index: br, v6, noDAD: true)
        XCTAssertThrowsError(try nl.addAddress(index: br, v4)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, .fileExists)
        }
        XCTAssertTrue(try ns.ip(["addr", "show", "br0"]).contains("inet 10.1.2.3/24 brd 10.1.2.255 scope global br0"))

        let listed = try nl.addresses(index: br)
        XCTAssertTrue(listed.contains { $0.network == v4 && $0.scope == 0 })
        XCTAssertTrue(listed.contains { $0.network == v6 && !$0.isTentative })
        XCTAssertEqual(try nl.addresses(index: br, family: .v4).map(\.network), [v4])
        XCTAssertTrue(try nl.addresses(family: .v6).allSatisfy { $0.network.family == .v6 })

        try nl.deleteAddress(index: br, v4)
        try nl.deleteAddress(index: br, v6)
        XCTAssertThrowsError(try nl.deleteAddress(index: br, v4)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, .addressNotAvailable)
        }
        XCTAssertFalse(try nl.addresses(index: br).contains { $0.network == v4 || $0.network == v6 })
    }

    func testRoutes() throws {
        let (ns, _, nl) = try makeNamespace()
        try nl.createBridge(name: "br0", mtu: nil, vlanFiltering: false)
        let br = try index(nl, "br0")
        try nl.setLinkUp(index: br)
        try nl.addAddress(index: br, try XCTUnwrap(IPNetwork("10.1.2.3/24")))
        try nl.addAddress(index: br, try XCTUnwrap(IPNetwork("fd00::5/64")), noDAD: true)

        let viaGateway = KernelRoute(destination: IPNetwork("10.9.0.0/16")!, gateway: IPAddress("10.1.2.1"), outputIndex: br,
                               mtu: 1400, advmss: 1360)
        let defaultRoute = KernelRoute(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.2.1"), outputIndex: br)
        let onLink = KernelRoute(destination: IPNetwork("192.168.77.0/24")!, gateway: IPAddress("172.16.0.1"),
                           outputIndex: br, onLink: true)
        let direct = KernelRoute(destination: IPNetwork("10.50.0.0/24")!, outputIndex: br, scope: .link, priority: 50)
        let v6 = KernelRoute(destination: IPNetwork("fd00:1::/64")!, gateway: IPAddress("fd00::1"), outputIndex: br)
        for r in [viaGateway, defaultRoute, onLink, direct, v6] { try nl.addRoute(r) }

        XCTAssertThrowsError(try nl.addRoute(viaGateway)) { XCTAssertEqual(($0 as? NetlinkError)?.errno, .fileExists) }
        // A gateway off every subnet: the kernel's extended-ack text comes through.
        let unreachable = KernelRoute(destination: IPNetwork("10.77.0.0/16")!, gateway: IPAddress("172.31.0.1"), outputIndex: br)
        XCTAssertThrowsError(try nl.addRoute(unreachable)) { error in
            guard let e = error as? NetlinkError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.errno, .networkUnreachable, "\(e)")
            XCTAssertEqual(e.kernelMessage, "Nexthop has invalid gateway", "\(e)")
        }
        try nl.addRoute(viaGateway, replace: true)

        let shown = try ns.ip(["route", "show"])
        XCTAssertTrue(shown.contains("default via 10.1.2.1 dev br0"), shown)
        XCTAssertTrue(shown.contains("10.9.0.0/16 via 10.1.2.1 dev br0"), shown)
        XCTAssertTrue(shown.contains("mtu 1400 advmss 1360"), shown)
        XCTAssertTrue(shown.contains("192.168.77.0/24 via 172.16.0.1 dev br0"), shown)
        XCTAssertTrue(shown.contains("onlink"), shown)
        XCTAssertTrue(shown.contains("10.50.0.0/24 dev br0 scope link metric 50"), shown)

        let listed = try nl.routes(family: .v4)
        let gw = try XCTUnwrap(listed.first { $0.destination == IPNetwork("10.9.0.0/16") })
        XCTAssertEqual(gw.gateway, IPAddress("10.1.2.1"))
        XCTAssertEqual(gw.outputIndex, br)
        XCTAssertEqual(gw.mtu, 1400)
        XCTAssertEqual(gw.advmss, 1360)
        XCTAssertEqual(gw.protocol, .boot)
        XCTAssertTrue(listed.contains { $0.destination.prefixLength == 0 && $0.gateway == IPAddress("10.1.2.1") })
        XCTAssertTrue(listed.contains { $0.destination == IPNetwork("192.168.77.0/24") && $0.onLink })
        XCTAssertTrue(listed.contains { $0.destination == IPNetwork("10.1.2.0/24") && $0.scope == .link
                                        && $0.protocol == .kernel && $0.gateway == nil })
        XCTAssertTrue(try nl.routes(family: .v6).contains { $0.destination == IPNetwork("fd00:1::/64") && $0.gateway == IPAddress("fd00::1") })
        XCTAssertTrue(try nl.routes(family: .v4, table: 255).contains { $0.destination == IPNetwork("10.1.2.3/32") })

        for r in [viaGateway, defaultRoute, onLink, direct, v6] { try nl.deleteRoute(r) }
        XCTAssertThrowsError(try nl.deleteRoute(viaGateway)) { XCTAssertEqual(($0 as? NetlinkError)?.errno, .noSuchProcess) }
        let after = try nl.routes(family: nil)
        XCTAssertFalse(after.contains { [viaGateway, defaultRoute, onLink, direct, v6].map(\.destination).contains($0.destination) })
    }
}
