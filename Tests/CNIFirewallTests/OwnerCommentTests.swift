import CNIFirewall
import CNIValues
import XCTest

final class OwnerCommentTests: XCTestCase {
    func testBuiltAndParsedInOnePlace() {
        let owner = OwnerComment(network: "cbr0", containerID: "c2")
        XCTAssertEqual(owner.description, #"name: "cbr0" id: "c2""#)
        XCTAssertEqual(OwnerComment(parsing: owner.description), owner)
        let dnat = OwnerComment(prefix: OwnerComment.portmapPrefix, network: "my \"net\"", containerID: "abc")
        XCTAssertEqual(dnat.description, #"dnat name: "my "net"" id: "abc""#)
        XCTAssertEqual(OwnerComment(parsing: dnat.description, prefix: "dnat "), dnat, "a network name with quotes still parses")
        XCTAssertNil(OwnerComment(parsing: dnat.description), "the prefix must match")
        XCTAssertNil(OwnerComment(parsing: #"name: "cbr0" id: """#))
        XCTAssertNil(OwnerComment(parsing: "CNI portfwd masquerade mark"))
    }

    func testCutToTheLimitLikeTheReference() {
        let long = OwnerComment(prefix: "dnat ", network: "n", containerID: String(repeating: "a", count: 300))
        let text = long.text(maximumLength: 255)
        XCTAssertEqual(text.utf8.count, 255)
        XCTAssertTrue(text.hasSuffix("..."))
        XCTAssertNil(OwnerComment(parsing: text, prefix: "dnat "), "a cut comment names no container")
        XCTAssertEqual(OwnerComment(network: "n", containerID: "c").text(maximumLength: 255), #"name: "n" id: "c""#)
    }
}

final class ScopedListingTests: XCTestCase {
    func testChainListingParsesIntoTheRuleModel() {
        let listing = #"""
            -N CNI-HOSTPORT-DNAT
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080 -j CNI-DN-1234
            -A CNI-HOSTPORT-DNAT -p udp -j RETURN\#r

            """#
        let rules = IptablesTable.parseListing(listing.replacingOccurrences(of: "\\r", with: "\r"))
        XCTAssertEqual(rules.count, 2, "the -N line is skipped, a CRLF line still parses")
        XCTAssertEqual(rules.first?.comment, #"dnat name: "cbr0" id: "c2""#)
        XCTAssertEqual(rules.first?.target, "CNI-DN-1234")
        XCTAssertEqual(rules.last?.target, "RETURN")
    }

    func testRestoreBatchOrderAndQuoting() throws {
        var batch = IptablesRestoreBatch(table: "nat")
        XCTAssertTrue(batch.isEmpty)
        try batch.append(IptablesRule(chain: "CNI-X", ["-m", "comment", "--comment", #"name: "n" id: "c""#, "-j", "ACCEPT"]))
        try batch.declare("CNI-X")
        try batch.insert(IptablesRule(chain: "POSTROUTING", ["-j", "CNI-X"]), at: 1)
        try batch.flush("CNI-Y")
        try batch.deleteChain("CNI-Y")
        XCTAssertEqual(batch.text, #"""
            *nat
            :CNI-X - [0:0]
            -A CNI-X -m comment --comment "name: \"n\" id: \"c\"" -j ACCEPT
            -I POSTROUTING 1 -j CNI-X
            -F CNI-Y
            -X CNI-Y
            COMMIT

            """#)
        XCTAssertThrowsError(try batch.declare("bad chain"))
        XCTAssertThrowsError(try batch.append(IptablesRule(chain: "CNI-X", ["-j", "ACCEPT\n-A INPUT"])))
    }

    func testNftBatchOwnsTheSyntax() throws {
        var batch = NftBatch(table: NftTable(family: .ip, name: "cni_hostport"))
        try batch.addTable(comment: "CNI portmap plugin")
        try batch.addChain("prerouting", hook: .init(type: "nat", hook: "prerouting", priority: "-100"))
        try batch.addRule("hostports", NftRule([.destinationPort(transport: "tcp", port: 80)],
                                                [.dnat(try XCTUnwrap(IPAddress("10.0.0.2")), port: 80)]), comment: "c1")
        try batch.deleteRule("hostports", handle: 7)
        XCTAssertEqual(batch.text, """
            add table ip cni_hostport { comment "CNI portmap plugin" ; }
            add chain ip cni_hostport prerouting { type nat hook prerouting priority -100 ; }
            add rule ip cni_hostport hostports tcp dport 80 dnat to 10.0.0.2:80 comment "c1"
            delete rule ip cni_hostport hostports handle 7

            """)
        XCTAssertThrowsError(try batch.addRule("hostports", NftRule([.configured(["accept;", "flush", "ruleset"])], [.accept])))
        XCTAssertThrowsError(try batch.addRule("hostports", NftRule([.inputInterface("a\"b")], [.accept])))
        XCTAssertThrowsError(try batch.addRule("hostports", NftRule([], [.accept]), comment: "a\"b"))
        XCTAssertThrowsError(try batch.addRule("hostports", NftRule([], [.jump("bad;chain")])))
        XCTAssertThrowsError(try batch.addChain("bad;chain"))
    }

    func testTableNamesOfAListing() throws {
        let json = #"{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "nat", "handle": 1}}, {"table": {"family": "ip", "name": "cni_hostport", "handle": 2}}]}"#
        XCTAssertEqual(try NftRuleListing.tableNames(json: json), ["nat", "cni_hostport"])
        XCTAssertThrowsError(try NftRuleListing.tableNames(json: "{"))
    }
}
