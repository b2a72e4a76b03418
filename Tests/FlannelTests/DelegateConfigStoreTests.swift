import CNISystem
import CNITestSupport
import Foundation
import XCTest

@testable import FlannelPlugin

/// flannel's saved configs across a reboot and its temp-file cleanup (no root needed).
final class DelegateConfigStoreTests: XCTestCase {
    private func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    func testSavedConfigsOfAnEarlierBootAreDroppedOnce() throws {
        let tmp = try TemporaryDirectory()
        let store = DelegateConfigStore(directory: tmp.file("flannel"), durable: false)
        // A directory without a record (the reference's, or an older version's) is adopted.
        try store.save(containerID: "old", Array("{}".utf8))
        XCTAssertEqual(try store.enterBoot("boot-1"), [])
        try store.save(containerID: "a", Array("{}".utf8))
        try "x".write(toFile: tmp.file("flannel/.a.tmp-1-ab"), atomically: false, encoding: .utf8)
        XCTAssertEqual(try store.enterBoot("boot-1"), [])
        XCTAssertEqual(names(tmp.file("flannel")), [".a.tmp-1-ab", ".boot_id", ".lock", "a", "old"])

        XCTAssertEqual(try store.enterBoot("boot-2"), ["a", "old"])
        XCTAssertEqual(names(tmp.file("flannel")), [".boot_id", ".lock"])
        XCTAssertEqual(try store.enterBoot("boot-2"), [])
        XCTAssertEqual(try store.containerIDs(), [], ".boot_id and .lock are not container IDs")
    }

    func testRemoveAlsoClearsAbandonedTemporaryFilesOfThatContainer() throws {
        let tmp = try TemporaryDirectory()
        let store = DelegateConfigStore(directory: tmp.file("flannel"))
        try store.save(containerID: "c1", Array("{}".utf8))
        for name in [".c1.tmp-2147483646-ab", ".c10.tmp-2147483646-ab", ".c1.tmp-\(getpid())-cd"] {
            try "x".write(toFile: tmp.file("flannel/" + name), atomically: false, encoding: .utf8)
        }
        try store.remove(containerID: "c1")
        XCTAssertEqual(names(tmp.file("flannel")), [".c1.tmp-\(getpid())-cd", ".c10.tmp-2147483646-ab"],
                       "a live writer's and another container's temp files stay")
    }
}
