import CNITestSupport
import CNIValues
import FlannelPlugin
import FlannelSubnet
import Foundation
import XCTest

/// The subnet.env parser: the files flanneld writes on vxlan, ipip and ipsec nodes, dual-stack,
/// and every way a file can be broken.
final class SubnetEnvTests: XCTestCase {
    let path = "/run/flannel/subnet.env"

    private func net(_ s: String) -> IPNetwork? {
        let n = IPNetwork(s)
        XCTAssertNotNil(n, "bad CIDR in test: \(s)")
        return n
    }

    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SubnetEnvError? {
        do {
            let env = try SubnetEnv.parse(text, path: path)
            XCTFail("parsed a bad file: \(env)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testVxlanNode() throws {
        // `cat /run/flannel/subnet.env` on a vxlan node of a 10.244.0.0/16 cluster.
        let text = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
        let env = try SubnetEnv.parse(text, path: path)
        XCTAssertEqual(env.networks, [net("10.244.0.0/16")].compactMap { $0 })
        XCTAssertEqual(env.subnet, net("10.244.0.1/24"))
        XCTAssertEqual(env.subnet?.network.description, "10.244.0.0/24")
        XCTAssertEqual(env.mtu, 1450)
        XCTAssertEqual(env.ipMasq, true)
        XCTAssertEqual(env.ipv6Networks, [])
        XCTAssertNil(env.ipv6Subnet)
        XCTAssertEqual(env.missingKeys, [])
    }

    func testIpipAndIpsecMTUs() throws {
        for (subnet, mtu) in [("10.244.1.1/24", 1480), ("10.244.2.1/24", 1423)] {
            let text = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=\(subnet)\nFLANNEL_MTU=\(mtu)\nFLANNEL_IPMASQ=true\n"
            let env = try SubnetEnv.parse(text, path: path)
            XCTAssertEqual(env.mtu, mtu)
            XCTAssertEqual(env.subnet, net(subnet))
        }
    }

    func testDualStack() throws {
        let text = """
            FLANNEL_NETWORK=10.1.0.0/16
            FLANNEL_SUBNET=10.1.17.1/24
            FLANNEL_IPV6_NETWORK=fc00::/48
            FLANNEL_IPV6_SUBNET=fc00::1/64
            FLANNEL_MTU=1472
            FLANNEL_IPMASQ=true

            """
        let env = try SubnetEnv.parse(text, path: path)
        XCTAssertEqual(env.networks, [net("10.1.0.0/16")].compactMap { $0 })
        XCTAssertEqual(env.ipv6Networks, [net("fc00::/48")].compactMap { $0 })
        XCTAssertEqual(env.ipv6Subnet?.network.description, "fc00::/64")
        XCTAssertEqual(env.mtu, 1472)
    }

    func testIPv6OnlyIsComplete() throws {
        let env = try SubnetEnv.parse("FLANNEL_IPV6_NETWORK=fd00:10::/56\nFLANNEL_IPV6_SUBNET=fd00:10:0:1::1/64\nFLANNEL_MTU=1430\nFLANNEL_IPMASQ=false", path: path)
        XCTAssertEqual(env.networks, [])
        XCTAssertNil(env.subnet)
        XCTAssertEqual(env.ipMasq, false)
    }

    func testNetworkListIsMaskedAndDeduplicated() throws {
        let env = try SubnetEnv.parse("FLANNEL_NETWORK=10.42.0.0/16,10.43.0.1/16,10.42.0.0/16\nFLANNEL_SUBNET=10.42.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true", path: path)
        XCTAssertEqual(env.networks.map(\.description), ["10.42.0.0/16", "10.43.0.0/16"])
    }

    func testReferenceQuirksKept() throws {
        // A later line replaces an earlier one; IPMASQ is true only for exactly "true";
        // unknown keys, `export` lines and comments are ignored; MTU may have leading zeros.
        let text = """
            # written by flanneld
            FLANNEL_NETWORK=10.0.0.0/8
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.9.1/24
            FLANNEL_MTU=01450
            FLANNEL_IPMASQ=True
            FLANNEL_OTHER=whatever
            export FOO=bar

            """
        let env = try SubnetEnv.parse(text, path: path)
        XCTAssertEqual(env.networks, [net("10.244.0.0/16")].compactMap { $0 })
        XCTAssertEqual(env.mtu, 1450)
        XCTAssertEqual(env.ipMasq, false)
    }

    func testCRLFLinesAreAccepted() throws {
        let env = try SubnetEnv.parse("FLANNEL_NETWORK=10.244.0.0/16\r\nFLANNEL_SUBNET=10.244.1.1/24\r\nFLANNEL_MTU=1450\r\nFLANNEL_IPMASQ=true\r\n", path: path)
        XCTAssertEqual(env.mtu, 1450)
        XCTAssertEqual(env.ipMasq, true)
    }

    func testMissingKeysInReferenceOrder() {
        let all = parseError("")
        XCTAssertEqual(all?.message, "\(path) is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ")
        XCTAssertEqual(all?.kind, .incomplete(missingKeys: ["FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK", "FLANNEL_SUBNET",
                                                            "FLANNEL_IPV6_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ"]))
        let some = parseError("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n")
        XCTAssertEqual(some?.message, "\(path) is missing FLANNEL_MTU, FLANNEL_IPMASQ")
        let noSubnet = parseError("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
        XCTAssertEqual(noSubnet?.message, "\(path) is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET")
    }

    func testKeyWithoutValueNamesTheLine() {
        // The Go reference panics (index out of range) on this file.
        let e = parseError("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
        XCTAssertEqual(e?.kind, .malformed(line: 2))
        XCTAssertEqual(e?.message, "\(path) line 2 \"FLANNEL_SUBNET\": FLANNEL_SUBNET has no value")
    }

    func testGarbageLineNamesTheLine() {
        let e = parseError("FLANNEL_NETWORK=10.244.0.0/16\n\nthis is not a key\n")
        XCTAssertEqual(e?.kind, .malformed(line: 3))
        XCTAssertEqual(e?.message, "\(path) line 3 \"this is not a key\": not a KEY=VALUE line")
    }

    func testBadValues() {
        let cases: [(String, String)] = [
            ("FLANNEL_NETWORK=10.244.0.0/33", "invalid CIDR address: 10.244.0.0/33"),
            ("FLANNEL_NETWORK=10.244.0.0/16,", "invalid CIDR address: "),
            ("FLANNEL_NETWORK=", "invalid CIDR address: "),
            ("FLANNEL_SUBNET=10.244.1.1", "invalid CIDR address: 10.244.1.1"),
            ("FLANNEL_SUBNET= 10.244.1.1/24", "invalid CIDR address:  10.244.1.1/24"),
            ("FLANNEL_SUBNET=fc00::1/64", "FLANNEL_SUBNET must hold IPv4 CIDRs, got fc00::1/64"),
            ("FLANNEL_IPV6_NETWORK=10.0.0.0/8", "FLANNEL_IPV6_NETWORK must hold IPv6 CIDRs, got 10.0.0.0/8"),
            ("FLANNEL_IPV6_SUBNET=fc00::zz/64", "invalid CIDR address: fc00::zz/64"),
            ("FLANNEL_MTU=1450 ", "FLANNEL_MTU \"1450 \" is not a decimal number"),
            ("FLANNEL_MTU=abc", "FLANNEL_MTU \"abc\" is not a decimal number"),
            ("FLANNEL_MTU=-1", "FLANNEL_MTU \"-1\" is not a decimal number"),
            ("FLANNEL_MTU=", "FLANNEL_MTU \"\" is not a decimal number"),
            ("FLANNEL_MTU=4294967296", "FLANNEL_MTU \"4294967296\" is out of range"),
            ("FLANNEL_MTU=99999999999999999999999999", "FLANNEL_MTU \"99999999999999999999999999\" is out of range"),
        ]
        for (line, reason) in cases {
            let e = parseError("FLANNEL_IPMASQ=true\n" + line + "\n")
            XCTAssertEqual(e?.kind, .malformed(line: 2), line)
            XCTAssertEqual(e?.message, "\(path) line 2 \(String(reflecting: line)): \(reason)", line)
        }
    }

    func testControlCharactersAreEscapedInMessages() {
        let e = parseError("FLANNEL_MTU=14\u{1b}50\n")
        XCTAssertEqual(e?.message.contains("\u{1b}"), false)
        XCTAssertEqual(e?.kind, .malformed(line: 1))
    }

    func testMissingFile() throws {
        let dir = try TemporaryDirectory(prefix: "flannel")
        let missing = dir.path + "/subnet.env"
        XCTAssertThrowsError(try SubnetEnv.load(path: missing)) { error in
            guard let e = error as? SubnetEnvError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .missingFile)
            XCTAssertEqual(e.message, "open \(missing): no such file or directory")
            let msg = FlannelPlugin.subnetEnvMessage(e)
            XCTAssertTrue(msg.hasPrefix("failed to load flannel 'subnet.env' file: open \(missing): no such file or directory."), msg)
            XCTAssertTrue(msg.contains("flanneld"), msg)
            XCTAssertTrue(msg.contains("not running"), msg)
            XCTAssertTrue(msg.hasSuffix("Check the flannel pod log for this node."), msg)
        }
        XCTAssertThrowsError(try SubnetEnv.load(path: dir.path)) { error in
            XCTAssertEqual((error as? SubnetEnvError)?.kind, .unreadable)
        }
    }

    func testLoadReadsTheFile() throws {
        let dir = try TemporaryDirectory(prefix: "flannel")
        let file = dir.path + "/subnet.env"
        try "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SubnetEnv.load(path: file).mtu, 1450)
        try "FLANNEL_NETWORK=10.244.0.0/16\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SubnetEnv.load(path: file)) { error in
            XCTAssertEqual((error as? SubnetEnvError)?.message, "\(file) is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ")
        }
    }
}
