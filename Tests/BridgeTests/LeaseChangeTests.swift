import CNINetlink
import CNIValues
import XCTest

@testable import BridgePlugin

/// When the bridge's old gateway counts as one of an earlier flannel lease (pure).
final class LeaseChangeTests: XCTestCase {
    private func net(_ s: String) -> IPNetwork { IPNetwork(s) ?? IPNetwork(address: .v4(0), prefixLength: 0)! }

    func testOnlyADisjointIPv4GatewayIsAnEarlierLease() {
        XCTAssertEqual(LeaseChange(existing: net("10.244.1.1/24"), wanted: net("10.244.7.1/24"))?.old, net("10.244.1.1/24"))
        XCTAssertNil(LeaseChange(existing: net("10.244.1.1/24"), wanted: net("10.244.1.1/24")))
        XCTAssertNil(LeaseChange(existing: net("10.244.1.9/24"), wanted: net("10.244.1.1/24")), "same subnet: not a lease change")
        XCTAssertNil(LeaseChange(existing: net("10.244.0.1/16"), wanted: net("10.244.7.1/24")), "the old one contains the new gateway")
        XCTAssertNil(LeaseChange(existing: net("10.244.7.1/28"), wanted: net("10.244.7.1/24")))
        XCTAssertNil(LeaseChange(existing: net("fd00:1::1/64"), wanted: net("fd00:2::1/64")))
    }

    func testPodsOfTheEarlierLeaseArePortsAttachedBeforeOurs() {
        let ports: [(name: String, index: InterfaceIndex)] = [("vethb", 9), ("vetha", 7), ("ours", 12), ("later", 14)]
        XCTAssertEqual(LeaseChange.podsOfEarlierLease(ports: ports, ownPort: 12), ["vetha", "vethb"])
        XCTAssertEqual(LeaseChange.podsOfEarlierLease(ports: [("ours", 12), ("later", 14)], ownPort: 12), [])
    }

    func testTheErrorNamesBothSubnetsAndTheFix() {
        let change = LeaseChange(existing: net("10.244.1.1/24"), wanted: net("10.244.7.1/24"))
        XCTAssertEqual(change?.blockedError(bridge: "cni0", pods: ["veth1"]),
                       "\"cni0\" has 10.244.1.1/24 of the node's earlier subnet 10.244.1.0/24, but the subnet is now 10.244.7.0/24"
                       + " (flannel's lease changed); 1 pod(s) of the old subnet are still attached (veth1): delete those pods,"
                       + " then run `cni-inspect --fix` (or new pods replace the address once none is attached)")
    }
}
