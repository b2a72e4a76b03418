import CNINetlink
import CNIValues
import XCTest

/// `route(to:)`: a non-dump RTM_GETROUTE (what `ip route get` sends) and the kernel's answer.
final class RouteLookupTests: XCTestCase {
    func testRouteGetRequestAndReply() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        // The kernel's answer for 10.244.1.3: a /32 cloned-style reply through index 7 (cni0).
        let reply = [UInt8]([2, 32, 0, 0, 254, 2, 0, 1]) + Kernel.le(UInt32(0x200))  // RTM_F_CLONED
            + Kernel.attribute(15, Kernel.le(UInt32(254))) + Kernel.attribute(1, [10, 244, 1, 3])
            + Kernel.attribute(4, Kernel.le(UInt32(7))) + Kernel.attribute(7, [10, 244, 1, 1])
        transport.replies = [Kernel.message(type: 24, sequence: 1, reply), Kernel.error(0, sequence: 1)]
        let route = try XCTUnwrap(try socket.route(to: IPAddress("10.244.1.3")!))
        XCTAssertEqual(route.outputIndex, 7)
        XCTAssertEqual(route.destination, IPNetwork("10.244.1.3/32"))
        XCTAssertEqual(transport.sent, [hex("""
            24000000 1a00 0500 01000000 00000000   # nlmsghdr: len 36, RTM_GETROUTE, REQUEST|ACK (no DUMP)
            02 20 00 00 00 00 00 00 00000000       # rtmsg: AF_INET, dst_len 32, rest 0
            0800 0100 0af40103                     # RTA_DST 10.244.1.3
            """)])
    }

    func testUnreachableIsNil() throws {
        let transport = ScriptedTransport()
        let socket = NetlinkSocket(transport: transport, firstSequence: 1)
        transport.replies = [Kernel.error(-ENETUNREACH, sequence: 1)]
        XCTAssertNil(try socket.route(to: IPAddress("192.0.2.1")!))
    }
}
