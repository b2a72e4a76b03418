import CNISystem
import CNITestSupport
import Foundation
import XCTest

@testable import FlannelPlugin

/// A new container's config is linked straight to its name; a repeated save replaces it whole.
final class DelegateConfigSaveTests: XCTestCase {
    func testFirstAndRepeatedSavesLeaveExactlyTheLatestBytesAndNoTemporaryFile() throws {
        let tmp = try TemporaryDirectory()
        for durable in [false, true] {
            let store = DelegateConfigStore(directory: tmp.file("flannel-\(durable)"), durable: durable)
            try store.save(containerID: "c1", Array(#"{"type":"bridge","n":1}"#.utf8))
            XCTAssertEqual(try store.load(containerID: "c1"), Array(#"{"type":"bridge","n":1}"#.utf8))
            let longer = Array(#"{"type":"bridge","n":2,"more":"longer than before"}"#.utf8)
            try store.save(containerID: "c1", longer)
            XCTAssertEqual(try store.load(containerID: "c1"), longer)
            try store.save(containerID: "c1", Array("{}".utf8))
            XCTAssertEqual(try store.load(containerID: "c1"), Array("{}".utf8))
            let names = try FileManager.default.contentsOfDirectory(atPath: store.directory).sorted()
            XCTAssertEqual(names, ["c1"])
            var st = stat()
            XCTAssertEqual(stat(store.path(containerID: "c1"), &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600)
        }
    }
}
