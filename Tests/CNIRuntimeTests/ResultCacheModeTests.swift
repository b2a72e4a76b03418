import CNIProtocol
import CNIRuntime
import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The runner's libcni cache holds every pod's config and result: 0600 files in a 0700
/// `results/` directory (the CIS Kubernetes benchmark's 1.1.9 for CNI files), whatever the umask.
final class ResultCacheModeTests: XCTestCase {
    func testCacheFilesAre0600InA0700Directory() throws {
        let dir = try TemporaryDirectory(prefix: "nsck")
        let cache = ResultCache(directory: dir.path)
        let old = umask(0)
        defer { umask(old) }
        try cache.store(network: "cbr0", attachment: Attachment(containerID: "c1", ifname: "eth0"), netns: "/run/netns/p",
                        config: Array("{}".utf8), capabilityArgs: JSONObject(), result: .object(JSONObject()))
        let fm = FileManager.default
        let file = dir.path + "/results/cbr0-c1-eth0"
        XCTAssertEqual((try fm.attributesOfItem(atPath: file))[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual((try fm.attributesOfItem(atPath: dir.path + "/results"))[.posixPermissions] as? Int, 0o700)
    }
}
