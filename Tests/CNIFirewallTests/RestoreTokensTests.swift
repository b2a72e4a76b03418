import CNIFirewall
import XCTest

final class RestoreTokensTests: XCTestCase {
    func testSplitsSaveLineWithQuotedComment() {
        let line = #"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"cbr0\" id: \"c2\"" -m multiport --dports 8080,9090 -j CNI-DN-a0fff058eeb324ed03b3b"#
        XCTAssertEqual(RestoreTokens.split(line), [
            "-A", "CNI-HOSTPORT-DNAT", "-p", "tcp", "-m", "comment", "--comment", #"dnat name: "cbr0" id: "c2""#,
            "-m", "multiport", "--dports", "8080,9090", "-j", "CNI-DN-a0fff058eeb324ed03b3b",
        ])
    }

    func testSplitHandlesBlanksEmptyQuotesAndBackslashes() {
        XCTAssertEqual(RestoreTokens.split("  a\t\tb  "), ["a", "b"])
        XCTAssertEqual(RestoreTokens.split(#"a "" b"#), ["a", "", "b"])
        XCTAssertEqual(RestoreTokens.split(#""x\\y\"z""#), [#"x\y"z"#])
        XCTAssertEqual(RestoreTokens.split(#"ab"c d"e"#), ["abc de"])
        XCTAssertNil(RestoreTokens.split(#"-A X "open"#))
    }

    func testQuoteLeavesPlainWordsBare() throws {
        XCTAssertEqual(try RestoreTokens.quote("CNI-HOSTPORT-DNAT"), "CNI-HOSTPORT-DNAT")
        XCTAssertEqual(try RestoreTokens.quote("10.244.1.3:80"), "10.244.1.3:80")
        XCTAssertEqual(try RestoreTokens.quote("[fd00::3]:80"), "[fd00::3]:80")
    }

    func testQuoteEscapesQuotesAndBackslashes() throws {
        XCTAssertEqual(try RestoreTokens.quote(#"dnat name: "cbr0" id: "c2""#), #""dnat name: \"cbr0\" id: \"c2\"""#)
        XCTAssertEqual(try RestoreTokens.quote(#"a\b"#), #""a\\b""#)
        XCTAssertEqual(try RestoreTokens.quote(""), #""""#)
    }

    func testQuoteRefusesControlCharacters() {
        for bad in ["a\nb", "x\r", "tab\there", "nul\u{0}", "del\u{7F}"] {
            XCTAssertThrowsError(try RestoreTokens.quote(bad), bad.debugDescription)
        }
    }

    func testQuoteAndSplitRoundTrip() throws {
        let words = ["-m", "comment", "--comment", #"evil" -j ACCEPT \"#, "", "it's", "-j", "X"]
        XCTAssertEqual(RestoreTokens.split(try RestoreTokens.join(words)), words)
    }
}
