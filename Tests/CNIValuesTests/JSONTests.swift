import CNITestSupport
import CNIValues
import XCTest

final class JSONTests: XCTestCase {
    func testRoundTripKeepsOrderNumbersAndUnknownKeys() throws {
        let text = #"{"z":1,"a":{"nested":[1,2.50,-3e2,true,false,null]},"name":"cbr0","big":123456789012345678901234567890}"#
        let v = try JSONParser.parse(text)
        XCTAssertEqual(JSONSerializer.string(v), text)
        XCTAssertEqual(v["big"], .number("123456789012345678901234567890"))
    }

    func testSortedKeysMatchGoMaps() throws {
        let v = try JSONParser.parse(#"{"type":"bridge","name":"cbr0","ipam":{"type":"host-local","dataDir":"D"}}"#)
        XCTAssertEqual(JSONSerializer.string(v, sortedKeys: true),
                       #"{"ipam":{"dataDir":"D","type":"host-local"},"name":"cbr0","type":"bridge"}"#)
    }

    func testPrettyMatchesGoMarshalIndent() throws {
        let v = try JSONParser.parse(#"{"code":7,"msg":"x","list":[],"obj":{},"ips":[{"a":1}]}"#)
        XCTAssertEqual(JSONSerializer.string(v, style: .pretty), """
            {
                "code": 7,
                "msg": "x",
                "list": [],
                "obj": {},
                "ips": [
                    {
                        "a": 1
                    }
                ]
            }
            """)
    }

    func testEscapesLikeGo() {
        let s: JSONValue = .string("a\"b\\c\n\t<x>&\u{01}é")
        XCTAssertEqual(JSONSerializer.string(s), #""a\"b\\c\n\t\u003cx\u003e\u0026\u0001é""#)
    }

    func testUnicodeEscapesAndSurrogates() throws {
        XCTAssertEqual(try JSONParser.parse(#""\u00e9\ud83d\ude00""#), .string("é😀"))
        XCTAssertEqual(try JSONParser.parse(#""\ud800x""#), .string("\u{FFFD}x"))
    }

    func testDuplicateKeysKeepTheLastValue() throws {
        XCTAssertEqual(try JSONParser.parse(#"{"a":1,"a":2}"#)["a"], .number("2"))
    }

    func testRejectsMalformedInput() {
        let bad = ["", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", "1e", "\"abc",
                   "\"\u{01}\"", "tru", "nul", "[1 2]", "{} {}", "\"\\x\"", "\"\\u12\"", "NaN", "+1", ".5", "{\"a\":1,}"]
        for text in bad {
            XCTAssertThrowsError(try JSONParser.parse(text), text)
        }
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xFF, 0x22]))  // invalid UTF-8
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONParser.parse(deep))
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertNoThrow(try JSONParser.parse(ok))
    }

    /// A crash here kills the test process; the seed printed first replays the same inputs
    /// (`RELIABILITY_SEED=<seed> swift test --filter JSONTests`).
    func testRandomBytesNeverCrash() {
        let seed = SeededRandom.seed(default: UInt64.random(in: 0...UInt64.max))
        print("JSONTests.testRandomBytesNeverCrash: seed \(seed)")
        var rng = SeededRandom(seed: seed)
        let alphabet = Array(#"{}[]",:0123456789-+.eEtrufalsn\ u"#.utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<3000 {
            let n = Int.random(in: 0..<40, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
            // Whatever parses must survive serialize → parse unchanged.
            if let value = try? JSONParser.parse(bytes) {
                XCTAssertEqual(try? JSONParser.parse(JSONSerializer.bytes(value)), value, "seed \(seed), input \(bytes)")
            }
        }
    }

    func testIntValue() {
        XCTAssertEqual(JSONValue.number("1450").intValue, 1450)
        XCTAssertEqual(JSONValue.number("1.45e3").intValue, 1450)
        XCTAssertNil(JSONValue.number("1.5").intValue)
        XCTAssertNil(JSONValue.number("1e400").intValue)
        XCTAssertNil(JSONValue.string("1").intValue)
    }

    func testObjectEditingKeepsPosition() {
        var o = JSONObject([("a", 1), ("b", 2)])
        o["a"] = 3
        o["c"] = 4
        o["b"] = nil
        XCTAssertEqual(o.keys, ["a", "c"])
        XCTAssertEqual(o["a"], 3)
    }
}
