import CNIProtocol
import CNITestSupport
import XCTest

@testable import HostLocalPlugin

final class ResolvConfTests: XCTestCase {
    func testParsesLikeTheReference() {
        let text = """
            nameserver 1.1.1.1
            # comment
            ;another comment
            #nameserver 7.7.7.7
            nameserver 8.8.8.8 ignored-extra\r
            domain a.example
            domain c.example
            search x.example y.example
            search z.example
            options ndots:5
            options edns0 rotate
            nameserver
            bogus keyword
              \tnameserver   9.9.9.9\t
            """
        let dns = ResolvConf.parse(text)
        XCTAssertEqual(dns.nameservers, ["1.1.1.1", "8.8.8.8", "9.9.9.9"])
        XCTAssertEqual(dns.domain, "c.example", "the last domain wins")
        XCTAssertEqual(dns.search, ["x.example", "y.example", "z.example"])
        XCTAssertEqual(dns.options, ["ndots:5", "edns0", "rotate"])
        XCTAssertTrue(ResolvConf.parse("").isEmpty)
        XCTAssertTrue(ResolvConf.parse("# only\n\n;comments\n").isEmpty)
    }

    func testLoadReportsAMissingFileLikeGo() throws {
        XCTAssertThrowsError(try ResolvConf.load(path: "/nonexistent/resolv.conf")) {
            XCTAssertEqual("\($0)", "open /nonexistent/resolv.conf: no such file or directory")
        }
        let dir = try TemporaryDirectory()
        try "nameserver 10.0.0.10\nsearch svc.cluster.local\n".write(toFile: dir.file("r"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try ResolvConf.load(path: dir.file("r")), CNIResult.DNS(nameservers: ["10.0.0.10"], search: ["svc.cluster.local"]))
    }
}
