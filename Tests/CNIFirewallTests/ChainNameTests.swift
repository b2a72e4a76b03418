import CNIFirewall
import XCTest

final class ChainNameTests: XCTestCase {
    func testSHA512KnownVectors() {
        XCTAssertEqual(SHA512.hexDigest(Array("abc".utf8)),
                       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                       + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        XCTAssertEqual(SHA512.hexDigest([]).prefix(16), "cf83e1357eefb8bd")
        // Two blocks of padding (message length 112 mod 128 needs an extra block).
        XCTAssertEqual(SHA512.hexDigest([UInt8](repeating: 0x61, count: 112)).count, 128)
    }

    func testChainNamesMatchTheReference() {
        // sha512("cbr0c2") = a0fff058eeb324ed03b3bf6f… (observed with the reference, §5.2)
        XCTAssertEqual(ChainName.portmapDNAT(network: "cbr0", containerID: "c2"), "CNI-DN-a0fff058eeb324ed03b3b")
        XCTAssertEqual(ChainName.masquerade(network: "cbr0", containerID: "c2"), "CNI-a0fff058eeb324ed03b3bf6f")
        XCTAssertEqual(ChainName.portmapDNAT(network: "cbr0", containerID: "c9"), "CNI-DN-f80d8d166cb14cfe2301a")
    }
}
