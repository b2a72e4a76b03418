import CNIProtocol
import CNIValues
import XCTest
@testable import BridgePlugin

final class GatewayPlanTests: XCTestCase {
    private func net(_ s: String) -> IPNetwork { IPNetwork(s) ?? IPNetwork(address: .v4(0), prefixLength: 0)! }
    private func ip(_ s: String) -> IPAddress? { IPAddress(s) }

    private func config(gateway: Bool = false, defaultGateway: Bool = false) -> BridgeConfig {
        var c = BridgeConfig()
        c.isDefaultGateway = defaultGateway
        c.isGateway = gateway || defaultGateway
        c.ipamType = "host-local"
        return c
    }

    func testFlannelChainResult() throws {
        // host-local as flannel configures it: subnet route without gw, no gateway in the IP.
        let ipam = CNIResult(ips: [.init(address: net("10.244.1.2/24"))], routes: [.init(destination: net("10.244.0.0/16"))])
        let plan = try GatewayPlan(ipam: ipam, config: config(defaultGateway: true))
        XCTAssertEqual(plan.ips, [.init(interface: 2, address: net("10.244.1.2/24"), gateway: ip("10.244.1.1"))])
        XCTAssertEqual(plan.routes, [.init(destination: net("10.244.0.0/16")),
                                     .init(destination: net("0.0.0.0/0"), gateway: ip("10.244.1.1"))],
                       "IPAM routes first, then the default route")
        XCTAssertEqual(plan.bridgeAddresses, [net("10.244.1.1/24")])
        XCTAssertEqual(plan.forwardingFamilies, [.v4])
        XCTAssertEqual(plan.gateway(for: plan.routes[0]), ip("10.244.1.1"), "a route without gw uses the family's gateway")
    }

    func testIPAMGatewayIsKept() throws {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/16"), gateway: ip("10.1.0.254"))])
        let plan = try GatewayPlan(ipam: ipam, config: config(gateway: true))
        XCTAssertEqual(plan.ips.first?.gateway, ip("10.1.0.254"))
        XCTAssertEqual(plan.bridgeAddresses, [net("10.1.0.254/16")])
        XCTAssertTrue(plan.routes.isEmpty, "isGateway alone adds no default route")
    }

    func testWithoutGatewayNothingIsAddedButIPAMGatewayStays() throws {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/24"), gateway: ip("10.1.0.1")), .init(address: net("10.2.0.7/24"))])
        let plan = try GatewayPlan(ipam: ipam, config: config())
        XCTAssertEqual(plan.ips.map(\.gateway), [ip("10.1.0.1"), nil])
        XCTAssertEqual(plan.ips.map(\.interface), [2, 2])
        XCTAssertTrue(plan.bridgeAddresses.isEmpty)
        XCTAssertTrue(plan.forwardingFamilies.isEmpty)
    }

    func testDefaultRouteFromIPAMWithGatewaySuppressesOurs() throws {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/24"))],
                             routes: [.init(destination: net("0.0.0.0/0"), gateway: ip("10.1.0.9"))])
        let plan = try GatewayPlan(ipam: ipam, config: config(defaultGateway: true))
        XCTAssertEqual(plan.routes, ipam.routes)
    }

    func testDefaultRouteFromIPAMWithoutGatewayDoesNotSuppressOurs() throws {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/24"))], routes: [.init(destination: net("0.0.0.0/0"))])
        let plan = try GatewayPlan(ipam: ipam, config: config(defaultGateway: true))
        XCTAssertEqual(plan.routes.count, 2)
        XCTAssertEqual(plan.routes.last, .init(destination: net("0.0.0.0/0"), gateway: ip("10.1.0.1")))
    }

    func testDualStackOneDefaultRoutePerFamilyAndUniqueBridgeAddresses() throws {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/24")), .init(address: net("fd00:1::7/64")),
                                   .init(address: net("10.1.0.8/24"))])
        let plan = try GatewayPlan(ipam: ipam, config: config(defaultGateway: true))
        XCTAssertEqual(plan.ips.map(\.gateway), [ip("10.1.0.1"), ip("fd00:1::1"), ip("10.1.0.1")])
        XCTAssertEqual(plan.routes, [.init(destination: net("0.0.0.0/0"), gateway: ip("10.1.0.1")),
                                     .init(destination: net("::/0"), gateway: ip("fd00:1::1"))])
        XCTAssertEqual(plan.bridgeAddresses, [net("10.1.0.1/24"), net("fd00:1::1/64")])
        XCTAssertEqual(plan.forwardingFamilies, [.v4, .v6])
    }

    func testNoIPsIsTheReferenceError() {
        XCTAssertThrowsError(try GatewayPlan(ipam: CNIResult(), config: config())) { e in
            XCTAssertEqual((e as? CNIError)?.msg, "IPAM plugin returned missing IP config")
        }
    }

    func testGatewayOfTheOtherFamilyIsRejected() {
        let ipam = CNIResult(ips: [.init(address: net("10.1.0.7/24"), gateway: ip("fd00::1"))])
        XCTAssertThrowsError(try GatewayPlan(ipam: ipam, config: config(gateway: true)))
    }
}
