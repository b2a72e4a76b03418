import CNIFirewall
import XCTest

final class NftTests: XCTestCase {
    func testListingParsesChainsAndRulesWithComments() throws {
        let json = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
        {"table": {"family": "ip", "name": "cni_hostport", "handle": 3}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "hostports", "handle": 1}},
        {"chain": {"family": "ip", "table": "cni_hostport", "name": "masquerading", "handle": 10, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 11, "comment": "c2", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}, {"dnat": {"addr": "10.244.1.3", "port": 80}}]}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "hostports", "handle": 12, "expr": []}},
        {"rule": {"family": "ip", "table": "cni_hostport", "chain": "masquerading", "handle": 13, "comment": "c2", "expr": []}}]}
        """
        let listing = try NftRuleListing(json: json)
        XCTAssertEqual(listing.chains, ["hostports", "masquerading"])
        XCTAssertEqual(listing.rules.count, 3)
        XCTAssertEqual(listing.rules(in: "hostports", comment: "c2").map(\.handle), [11])
        XCTAssertEqual(listing.rules(in: "masquerading", comment: "c2").map(\.handle), [13])
        XCTAssertNil(listing.rules[1].comment)
        XCTAssertTrue(listing.hasChain("hostports"))
    }

    func testListingRejectsGarbage() {
        XCTAssertThrowsError(try NftRuleListing(json: "Error: No such file or directory"))
        XCTAssertThrowsError(try NftRuleListing(json: "{}"))
        XCTAssertThrowsError(try NftRuleListing(json: #"{"nftables": [{"rule": {"chain": "x"}}]}"#))
    }

    func testCommentsAreQuotedOrRefused() throws {
        XCTAssertEqual(try NftText.quotedComment("c2"), "\"c2\"")
        for bad in ["a\"b", "a\nb", "a\\b", String(repeating: "x", count: 129)] {
            XCTAssertThrowsError(try NftText.quotedComment(bad), bad.debugDescription)
        }
    }

    func testExpressionsMayNotEndTheCommand() throws {
        XCTAssertEqual(try NftText.expression(["ip", "daddr", "!=", "{", "127.0.0.0/8,", "198.19.254.254", "}"]),
                       "ip daddr != { 127.0.0.0/8, 198.19.254.254 }")
        XCTAssertEqual(try NftText.expression(["iifname", "\"eth0\""]), "iifname \"eth0\"")
        XCTAssertEqual(try NftText.expression([]), "")
        for bad in [["ip", "daddr", "1.2.3.4;", "flush", "ruleset"], ["x\ndelete table ip nat"], ["# c"],
                    ["{", "a"], ["}"], ["\"open"]] {
            XCTAssertThrowsError(try NftText.expression(bad), bad.description)
        }
    }

    func testIdentifiers() {
        XCTAssertNoThrow(try NftText.checkIdentifier("hostports"))
        XCTAssertNoThrow(try NftText.checkIdentifier("hostip_hostports"))
        XCTAssertThrowsError(try NftText.checkIdentifier("1x"))
        XCTAssertThrowsError(try NftText.checkIdentifier("a b"))
        XCTAssertThrowsError(try NftText.checkIdentifier(""))
    }
}
