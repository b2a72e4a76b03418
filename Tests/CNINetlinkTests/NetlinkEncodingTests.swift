import CNISystem
import CNIValues
import XCTest
@testable import CNINetlink

/// Request bytes compared against annotated hex, without root (x86_64/arm64: little-endian).
final class NetlinkEncodingTests: XCTestCase {
    private var transport = ScriptedTransport()
    private lazy var socket = NetlinkSocket(transport: transport, firstSequence: 1)

    override func setUp() {
        transport = ScriptedTransport()
        socket = NetlinkSocket(transport: transport, firstSequence: 1)
    }

    func testAddIPv4Address() throws {
        try socket.addAddress(index: 5, IPNetwork("10.0.0.1/24")!)
        XCTAssertEqual(transport.sent, [hex("""
            30000000 1400 0506 01000000 00000000   # nlmsghdr: len 48, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 1
            02 18 00 00 05000000                   # ifaddrmsg: AF_INET, /24, flags 0, scope universe, index 5
            0800 0200 0a000001                     # IFA_LOCAL 10.0.0.1
            0800 0100 0a000001                     # IFA_ADDRESS 10.0.0.1
            0800 0400 0a0000ff                     # IFA_BROADCAST 10.0.0.255
            """)])
    }

    func testAddIPv6AddressWithoutDAD() throws {
        try socket.addAddress(index: 2, IPNetwork("fd00::5/64")!, noDAD: true)
        XCTAssertEqual(transport.sent, [hex("""
            48000000 1400 0506 01000000 00000000   # nlmsghdr: len 72, RTM_NEWADDR
            0a 40 02 00 02000000                   # ifaddrmsg: AF_INET6, /64, IFA_F_NODAD, universe, index 2
            1400 0200 fd000000 00000000 00000000 00000005   # IFA_LOCAL fd00::5
            1400 0100 fd000000 00000000 00000000 00000005   # IFA_ADDRESS fd00::5
            0800 0800 02000000                     # IFA_FLAGS IFA_F_NODAD
            """)])
    }

    func testCreateVethWithPeerInAnotherNamespace() throws {
        let peerNS = try NetworkNamespace.current()
        let fd = Kernel.le(UInt32(bitPattern: peerNS.fileDescriptor)).map { String(format: "%02x", $0) }.joined()
        try socket.createVethPair(LinkAttributes(name: "veth0", mtu: 1400, mac: MACAddress("02:00:00:00:00:01"), txQueueLength: 0),
                                  peer: LinkAttributes(name: "eth0", mtu: 1400, mac: MACAddress("02:00:00:00:00:02"),
                                                       txQueueLength: 0, namespace: peerNS))
        XCTAssertEqual(transport.sent, [hex("""
            a0000000 1000 0506 01000000 00000000   # nlmsghdr: len 160, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00 00 0000 00000000 00000000 00000000  # ifinfomsg
            0a00 0300 76657468 3000 0000           # IFLA_IFNAME "veth0"
            0800 0d00 00000000                     # IFLA_TXQLEN 0 (as the reference)
            0800 0400 78050000                     # IFLA_MTU 1400
            0a00 0100 02000000 0001 0000           # IFLA_ADDRESS 02:00:00:00:00:01
            5800 1200                              # IFLA_LINKINFO (88)
              0900 0100 76657468 00 000000         #   IFLA_INFO_KIND "veth"
              4800 0200                            #   IFLA_INFO_DATA (72)
                4400 0100                          #     VETH_INFO_PEER (68)
                  00 00 0000 00000000 00000000 00000000   # peer ifinfomsg
                  0900 0300 65746830 00 000000     #       IFLA_IFNAME "eth0"
                  0800 0d00 00000000               #       IFLA_TXQLEN 0
                  0800 0400 78050000               #       IFLA_MTU 1400
                  0a00 0100 02000000 0002 0000     #       IFLA_ADDRESS 02:00:00:00:00:02
                  0800 1c00 \(fd)                  #       IFLA_NET_NS_FD
            """)])
    }

    func testVethQueueLengthIsPerEndAndOmittedWhenUnset() throws {
        try socket.createVethPair(LinkAttributes(name: "veth1", txQueueLength: 1000), peer: LinkAttributes(name: "eth1"))
        XCTAssertEqual(transport.sent, [hex("""
            68000000 1000 0506 01000000 00000000   # nlmsghdr: len 104, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00 00 0000 00000000 00000000 00000000  # ifinfomsg
            0a00 0300 76657468 3100 0000           # IFLA_IFNAME "veth1"
            0800 0d00 e8030000                     # IFLA_TXQLEN 1000
            3400 1200                              # IFLA_LINKINFO (52)
              0900 0100 76657468 00 000000         #   IFLA_INFO_KIND "veth"
              2400 0200                            #   IFLA_INFO_DATA (36)
                2000 0100                          #     VETH_INFO_PEER (32): no TXQLEN, MTU, MAC, netns
                  00 00 0000 00000000 00000000 00000000   # peer ifinfomsg
                  0900 0300 65746831 00 000000     #       IFLA_IFNAME "eth1"
            """)])
    }

    func testVethEndsNeedNamesAndNoFlags() {
        XCTAssertThrowsError(try socket.createVethPair(LinkAttributes(name: "veth1"), peer: LinkAttributes())) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .invalidArgument)
        }
        XCTAssertThrowsError(try socket.createVethPair(LinkAttributes(name: "veth1", isUp: true), peer: LinkAttributes(name: "eth1")))
        XCTAssertThrowsError(try socket.createVethPair(LinkAttributes(name: "veth1", txQueueLength: -1), peer: LinkAttributes(name: "eth1")))
        XCTAssertEqual(transport.sent, [])
    }

    func testOversizedAttributeOrNestIsEMSGSIZENotTruncated() throws {
        var m = NetlinkRequest(type: 16)  // RTM_NEWLINK
        XCTAssertNoThrow(try m.put(1, bytes: [UInt8](repeating: 7, count: 65_531)))  // 65,535 with its header
        XCTAssertThrowsError(try m.put(1, bytes: [UInt8](repeating: 7, count: 65_532))) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .messageTooLong)
        }
        var n = NetlinkRequest(type: 16)  // RTM_NEWLINK
        XCTAssertThrowsError(try n.nest(1) { n throws(NetlinkError) in
            try n.put(2, bytes: [UInt8](repeating: 7, count: 40_000))
            try n.put(3, bytes: [UInt8](repeating: 7, count: 40_000))
        }) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .messageTooLong)
        }
    }

    func testBridgePortHairpinUsesFlaggedProtinfoOnPFBridge() throws {
        try socket.setBridgePort(index: 9, hairpin: true, isolated: nil)
        XCTAssertEqual(transport.sent, [hex("""
            2c000000 1300 0500 01000000 00000000   # nlmsghdr: len 44, RTM_SETLINK, REQUEST|ACK
            07 00 0000 09000000 00000000 00000000  # ifinfomsg: AF_BRIDGE, index 9
            0c00 0c80                              # IFLA_PROTINFO | NLA_F_NESTED
              0500 0400 01 000000                  #   IFLA_BRPORT_MODE 1 (hairpin)
            """)])
    }

    func testBridgeVLANOnPort() throws {
        try socket.addBridgeVLAN(portIndex: 4, vid: 100, pvid: true, untagged: true)
        XCTAssertEqual(transport.sent, [hex("""
            2c000000 1300 0500 01000000 00000000   # RTM_SETLINK
            07 00 0000 04000000 00000000 00000000  # ifinfomsg: AF_BRIDGE, index 4
            0c00 1a00                              # IFLA_AF_SPEC
              0800 0200 0600 6400                  #   IFLA_BRIDGE_VLAN_INFO flags PVID|UNTAGGED, vid 100
            """)])
    }

    func testSetLinkCombinesAttributesInOneRequest() throws {
        try socket.setLink(index: 3, LinkAttributes(mtu: 9000, masterIndex: 2, isUp: true))
        XCTAssertEqual(transport.sent, [hex("""
            30000000 1300 0500 01000000 00000000   # RTM_SETLINK, REQUEST|ACK
            00 00 0000 03000000 01000000 01000000  # ifinfomsg: index 3, flags IFF_UP, change IFF_UP
            0800 0400 28230000                     # IFLA_MTU 9000
            0800 0a00 02000000                     # IFLA_MASTER 2
            """)])
    }

    func testAddRouteWithGatewayOnLinkAndMTU() throws {
        let route = Route(destination: IPNetwork("10.9.3.4/16")!, gateway: IPAddress("10.1.2.1"), outputIndex: 7,
                          mtu: 1400, onLink: true)
        try socket.addRoute(route)
        XCTAssertEqual(transport.sent, [hex("""
            48000000 1800 0506 01000000 00000000   # nlmsghdr: len 72, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
            02 10 00 00 fe 03 00 01 04000000       # rtmsg: AF_INET /16, main, boot, universe, unicast, ONLINK
            0800 0100 0a090000                     # RTA_DST 10.9.0.0 (host bits cleared)
            0800 0500 0a010201                     # RTA_GATEWAY 10.1.2.1
            0800 0400 07000000                     # RTA_OIF 7
            0800 0f00 fe000000                     # RTA_TABLE 254
            0c00 0800                              # RTA_METRICS
              0800 0200 78050000                   #   RTAX_MTU 1400
            """)])
    }

    func testDeleteRouteMatchesAnyScopeAndProtocol() throws {
        try socket.deleteRoute(Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.2.1")))
        XCTAssertEqual(transport.sent, [hex("""
            2c000000 1900 0500 01000000 00000000   # nlmsghdr: len 44, RTM_DELROUTE
            02 00 00 00 fe 00 ff 00 00000000       # rtmsg: AF_INET /0, main, proto 0, scope NOWHERE, type 0
            0800 0500 0a010201                     # RTA_GATEWAY
            0800 0f00 fe000000                     # RTA_TABLE 254
            """)])
    }

    func testLinkDumpRequestAndSequenceNumbers() throws {
        transport.replies = [Kernel.done(sequence: 1)]
        _ = try socket.links()
        try socket.deleteLink(index: 6)
        XCTAssertEqual(transport.sent, [
            hex("20000000 1200 0103 01000000 00000000  00 00 0000 00000000 00000000 00000000"),  // GETLINK, REQUEST|DUMP
            hex("20000000 1100 0500 02000000 00000000  00 00 0000 06000000 00000000 00000000"),  // DELLINK index 6, seq 2
        ])
    }

    func testCreateBridge() throws {
        try socket.createBridge(name: "cni0", mtu: nil, vlanFiltering: true)
        XCTAssertEqual(transport.sent, [hex("""
            48000000 1000 0506 01000000 00000000   # nlmsghdr: len 72, RTM_NEWLINK create
            00 00 0000 00000000 00000000 00000000  # ifinfomsg
            0900 0300 636e6930 00 000000           # IFLA_IFNAME "cni0"
            1c00 1200                              # IFLA_LINKINFO
              0b00 0100 62726964 676500 00         #   IFLA_INFO_KIND "bridge"
              0c00 0200                            #   IFLA_INFO_DATA
                0500 0700 01 000000                #     IFLA_BR_VLAN_FILTERING 1
            """)])
    }

    func testCreateBridgeWithoutVLANFilteringOmitsTheAttribute() throws {
        try socket.createBridge(name: "cni0", mtu: 1450, vlanFiltering: false)
        XCTAssertEqual(transport.sent, [hex("""
            44000000 1000 0506 01000000 00000000   # nlmsghdr: len 68, RTM_NEWLINK create
            00 00 0000 00000000 00000000 00000000  # ifinfomsg
            0900 0300 636e6930 00 000000           # IFLA_IFNAME "cni0"
            0800 0400 aa050000                     # IFLA_MTU 1450
            1000 1200                              # IFLA_LINKINFO
              0b00 0100 62726964 676500 00         #   IFLA_INFO_KIND "bridge"
            """)])
    }

    func testInvalidNamesAndMTUsNeverReachTheKernel() {
        XCTAssertThrowsError(try socket.createBridge(name: "a-name-longer-than-15", mtu: nil, vlanFiltering: false)) {
            XCTAssertEqual(($0 as? NetlinkError)?.errno, .invalidArgument)
        }
        XCTAssertThrowsError(try socket.setMTU(index: 1, mtu: -1))
        XCTAssertThrowsError(try socket.setMTU(index: 1, mtu: Int(UInt32.max) + 1))
        XCTAssertEqual(transport.sent, [])
    }
}
