import CNINetlink
import CNISystem
import CNIValues
import XCTest

/// Decoding canned kernel replies, errors and malformed input, without root.
final class NetlinkReplyTests: XCTestCase {
    private var transport = ScriptedTransport()
    private lazy var socket = NetlinkSocket(transport: transport, firstSequence: 1)

    override func setUp() {
        transport = ScriptedTransport()
        socket = NetlinkSocket(transport: transport, firstSequence: 1)
    }

    private func linkPayload(index: Int32, name: String, extra: [UInt8] = []) -> [UInt8] {
        // ifinfomsg: AF_UNSPEC, ARPHRD_ETHER, index, IFF_UP|IFF_BROADCAST|IFF_PROMISC|IFF_RUNNING
        Kernel.le(UInt16(0)) + Kernel.le(UInt16(1)) + Kernel.le(index) + Kernel.le(UInt32(0x1 | 0x2 | 0x100 | 0x40)) + Kernel.le(UInt32(0))
            + Kernel.string(3, name) + extra
    }

    func testDecodesVethBridgePort() throws {
        let info = Kernel.attribute(18,  // IFLA_LINKINFO
            Kernel.string(1, "veth")                      // IFLA_INFO_KIND
            + Kernel.string(4, "bridge")                  // IFLA_INFO_SLAVE_KIND
            + Kernel.attribute(5,                         // IFLA_INFO_SLAVE_DATA
                Kernel.attribute(4, [1])                  //   IFLA_BRPORT_MODE hairpin
                + Kernel.attribute(33, [1])))             //   IFLA_BRPORT_ISOLATED
        let extra = Kernel.attribute(4, Kernel.le(UInt32(1450)))      // IFLA_MTU
            + Kernel.attribute(1, [0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x02]) // IFLA_ADDRESS
            + Kernel.attribute(16, [6])                               // IFLA_OPERSTATE up
            + Kernel.attribute(10, Kernel.le(UInt32(3)))              // IFLA_MASTER
            + Kernel.attribute(5, Kernel.le(UInt32(2)))               // IFLA_LINK
            + Kernel.attribute(37, Kernel.le(Int32(0)))               // IFLA_LINK_NETNSID
            + info
        transport.replies = [
            Kernel.message(type: 16, sequence: 1, linkPayload(index: 7, name: "veth1234", extra: extra)),
            Kernel.error(0, sequence: 1),
        ]
        let link = try XCTUnwrap(try socket.link(named: "veth1234"))
        XCTAssertEqual(link, Link(index: 7, name: "veth1234", kind: "veth", mtu: 1450, mac: MACAddress("0a:58:0a:f4:01:02"),
                                  flags: Link.Flags(rawValue: 0x143), operState: Link.OperationalState(rawValue: 6), masterIndex: 3,
                                  parentIndex: 2, linkNetnsID: 0, hairpin: true, isolated: true, vlanFiltering: nil))
    }

    func testDerivedLinkAndAddressStates() throws {
        // IFF_UP 0x1, IFF_PROMISC 0x100, IF_OPER_UP 6, IFA_F_DADFAILED 0x08, IFA_F_TENTATIVE 0x40: kernel ABI values.
        var link = Link(index: 1, name: "cni0", flags: Link.Flags(rawValue: 0x143), operState: Link.OperationalState(rawValue: 6))
        XCTAssertTrue(link.isUp)
        XCTAssertTrue(link.promiscuous)
        XCTAssertTrue(link.isOperationallyUp)
        link.isUp = false
        link.promiscuous = false
        XCTAssertEqual(link.flags.rawValue, 0x42, "the setters change the flags they read")
        XCTAssertFalse(Link(index: 1, name: "eth0", operState: Link.OperationalState(rawValue: 2)).isOperationallyUp)  // IF_OPER_DOWN
        let net = try XCTUnwrap(IPNetwork("fd00::5/64"))
        XCTAssertTrue(InterfaceAddress(index: 1, network: net, flags: 0x08).isDADFailed)
        XCTAssertFalse(InterfaceAddress(index: 1, network: net, flags: 0x08).isTentative)
        XCTAssertTrue(InterfaceAddress(index: 1, network: net, flags: 0x40).isTentative)
        XCTAssertFalse(InterfaceAddress(index: 1, network: net, flags: 0x40).isDADFailed)
    }

    func testDumpSpanningDatagramsUntilDone() throws {
        let first = Kernel.message(type: 16, flags: 2, sequence: 1, linkPayload(index: 1, name: "lo"))
            + Kernel.message(type: 16, flags: 2, sequence: 1, linkPayload(index: 2, name: "eth0"))
        let second = Kernel.message(type: 16, flags: 2, sequence: 1, linkPayload(index: 3, name: "cni0"))
        transport.replies = [first, second, Kernel.done(sequence: 1)]
        XCTAssertEqual(try socket.links().map(\.name), ["lo", "eth0", "cni0"])
    }

    func testKernelErrnoAndExtendedAckSurvive() {
        transport.replies = [Kernel.error(-17, sequence: 1, extack: "Address already assigned")]
        XCTAssertThrowsError(try socket.addAddress(index: 4, IPNetwork("10.0.0.1/24")!)) { error in
            guard let e = error as? NetlinkError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.errno, .fileExists)
            XCTAssertEqual(e.kernelMessage, "Address already assigned")
            XCTAssertEqual(e.description, "add address 10.0.0.1/24 to link 4: file exists (Address already assigned)")
            XCTAssertTrue(Errno.fileExists ~= error, "catch Errno.fileExists must match")
        }
    }

    func testMissingLinkIsNilButDeleteThrowsENODEV() {
        transport.replies = [Kernel.error(-19, sequence: 1), Kernel.error(-19, sequence: 2)]
        XCTAssertNil(try socket.link(named: "nope"))
        XCTAssertThrowsError(try socket.deleteLink(index: 99)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, .noSuchDevice)
            XCTAssertEqual("\(error)", "delete link 99: no such device")
        }
    }

    func testWrongSequenceIsAnErrorNotAHang() {
        transport.replies = [Kernel.error(0, sequence: 42)]
        XCTAssertThrowsError(try socket.deleteLink(index: 1)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, Errno(EPROTO))
        }
    }

    func testMalformedRepliesNeverTrap() throws {
        // An attribute claiming more bytes than the message holds, an unterminated name, and a
        // message too short for its ifinfomsg.
        let lying = Kernel.le(UInt16(200)) + Kernel.le(UInt16(4)) + Kernel.le(UInt32(1500))
        let unterminated = Kernel.padded(Kernel.le(UInt16(7)) + Kernel.le(UInt16(3)) + Array("abc".utf8))
        let header = Kernel.le(UInt16(0)) + Kernel.le(UInt16(1)) + Kernel.le(Int32(5)) + Kernel.le(UInt32(0)) + Kernel.le(UInt32(0))
        transport.replies = [
            Kernel.message(type: 16, flags: 2, sequence: 1, header + unterminated + lying)
            + Kernel.message(type: 16, flags: 2, sequence: 1, [0, 0, 1])
            + Kernel.message(type: 20, flags: 2, sequence: 1, [2, 24]),
            Kernel.done(sequence: 1),
        ]
        let links = try socket.links()
        XCTAssertEqual(links.map(\.name), ["abc"])
        XCTAssertEqual(links.first?.mtu, 0, "the lying IFLA_MTU is ignored")
    }

    func testTruncatedMessageIsSkippedNotReadPast() throws {
        // libmnl stops at a message whose length runs past the datagram; the ACK then ends the request.
        var datagram = Kernel.message(type: 16, sequence: 1, linkPayload(index: 1, name: "lo"))
        datagram.removeLast(8)
        transport.replies = [datagram, Kernel.error(0, sequence: 1)]
        XCTAssertNil(try socket.link(index: 1))
    }

    func testDecodesAddressesAndRoutes() throws {
        let v4 = [UInt8]([2, 24, 0x80, 0]) + Kernel.le(UInt32(4))
            + Kernel.attribute(1, [10, 0, 0, 9]) + Kernel.attribute(2, [10, 0, 0, 1])  // IFA_ADDRESS peer, IFA_LOCAL
        let v6 = [UInt8]([10, 64, 0, 253]) + Kernel.le(UInt32(4))
            + Kernel.attribute(1, [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1])
            + Kernel.attribute(8, Kernel.le(UInt32(0x80 | 0x40)))  // IFA_FLAGS PERMANENT|TENTATIVE
        transport.replies = [
            Kernel.message(type: 20, flags: 2, sequence: 1, v4) + Kernel.message(type: 20, flags: 2, sequence: 1, v6),
            Kernel.done(sequence: 1),
        ]
        let addresses = try socket.addresses(index: 4)
        XCTAssertEqual(addresses, [
            InterfaceAddress(index: 4, network: IPNetwork("10.0.0.1/24")!, scope: 0, flags: 0x80),
            InterfaceAddress(index: 4, network: IPNetwork("fe80::1/64")!, scope: 253, flags: 0xC0),
        ])
        XCTAssertTrue(addresses[1].isTentative)

        // rtmsg: AF_INET /0, table main, proto boot, universe, unicast, flags ONLINK
        let route = [UInt8]([2, 0, 0, 0, 254, 3, 0, 1]) + Kernel.le(UInt32(4))
            + Kernel.attribute(15, Kernel.le(UInt32(254))) + Kernel.attribute(5, [10, 0, 0, 254])
            + Kernel.attribute(4, Kernel.le(UInt32(4))) + Kernel.attribute(6, Kernel.le(UInt32(100)))
            + Kernel.attribute(8, Kernel.attribute(2, Kernel.le(UInt32(1400))) + Kernel.attribute(8, Kernel.le(UInt32(1360))))
        let local = [UInt8]([2, 32, 0, 0, 255, 2, 254, 2]) + Kernel.le(UInt32(0)) + Kernel.attribute(15, Kernel.le(UInt32(255)))
            + Kernel.attribute(1, [10, 0, 0, 1])
        transport.replies = [
            Kernel.message(type: 24, flags: 2, sequence: 2, route) + Kernel.message(type: 24, flags: 2, sequence: 2, local),
            Kernel.done(sequence: 2),
        ]
        XCTAssertEqual(try socket.routes(family: .v4), [
            KernelRoute(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.0.0.254"), outputIndex: 4, priority: 100,
                  mtu: 1400, advmss: 1360, onLink: true),
        ])
    }
}
