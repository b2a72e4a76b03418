import CNIFirewall
import XCTest

final class ChainNameTests: XCTestCase {
    func testChainNamesMatchTheReference() {
        // sha512("cbr0c2") = a0fff058eeb324ed03b3bf6f…, the names the reference gives network cbr0
        // (containernetworking/plugins:pkg/utils/utils.go, FormatChainName / MustFormatChainNameWithPrefix)
        XCTAssertEqual(ChainName.portmapDNAT(network: "cbr0", containerID: "c2"), "CNI-DN-a0fff058eeb324ed03b3b")
        XCTAssertEqual(ChainName.masquerade(network: "cbr0", containerID: "c2"), "CNI-a0fff058eeb324ed03b3bf6f")
        XCTAssertEqual(ChainName.portmapDNAT(network: "cbr0", containerID: "c9"), "CNI-DN-f80d8d166cb14cfe2301a")
    }
}
