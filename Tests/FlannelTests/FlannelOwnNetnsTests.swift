import CNIProtocol
import CNIValues
import FlannelPlugin
import Foundation
import XCTest

/// flannel with CNI_NETNS = its own netns (here the test process's, in-process), against the
/// recording fake delegate, which is not this build: ADD and CHECK never reach the delegate; DEL
/// does not run a delegate of another build (it might act inside that netns) and keeps the saved
/// config for the retry; all three report code 8. No root needed.
final class FlannelOwnNetnsTests: XCTestCase {
    static let own = "/proc/thread-self/ns/net"
    static let message = "plugin's netns and netns from CNI_NETNS should not be the same"

    func testAddAndCheckNeverReachTheDelegate() throws {
        let f = try FlannelFixture()
        for verb in ["ADD", "CHECK"] {
            let r = f.run(verb, config: f.config(), netns: Self.own)
            XCTAssertEqual(r.status, 1, "\(verb): \(r.stdout)")
            XCTAssertEqual(r.json?["code"], 8, verb)
            XCTAssertEqual(r.json?["msg"]?.stringValue, Self.message, verb)
        }
        XCTAssertEqual(f.calls, [])
        XCTAssertNil(f.saved("c1"), "nothing saved")
    }

    func testDelKeepsTheSavedConfigWhenTheDelegateIsAnotherBuild() throws {
        let f = try FlannelFixture()
        XCTAssertEqual(f.run("ADD", config: f.config()).status, 0)
        let saved = f.saved("c1")
        let del = f.run("DEL", config: f.config(), netns: Self.own)
        XCTAssertEqual(del.json?["code"], 8, del.stdout)
        XCTAssertEqual(f.calls, ["ADD c1 eth0 /run/netns/fakepod"], "the foreign delegate was not run")
        XCTAssertEqual(f.saved("c1"), saved, "the saved config stays for the retry")
        // The retry with the pod's netns replays it.
        XCTAssertEqual(f.run("DEL", config: f.config()).status, 0)
        XCTAssertEqual(f.calls.last, "DEL c1 eth0 /run/netns/fakepod")
        XCTAssertNil(f.saved("c1"))
    }

    func testDelWithNothingSavedReportsCode8() throws {
        let f = try FlannelFixture()
        let del = f.run("DEL", config: f.config(), netns: Self.own)
        XCTAssertEqual(del.json?["code"], 8, del.stdout)
        XCTAssertEqual(f.calls, [])
    }
}
