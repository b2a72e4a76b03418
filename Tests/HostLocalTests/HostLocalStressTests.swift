import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Many real plugin processes on one store at once: the flock plus exclusive creates must give
/// every container its own addresses, and parallel DELs must leave nothing behind.
final class HostLocalStressTests: XCTestCase {
    static let dualStack = #""ranges":[[{"subnet":"10.50.0.0/24"}],[{"subnet":"fd00:50::/64"}]]"#

    /// Runs `count` jobs on `workers` threads (each job is one plugin process); returns results by job index.
    static func parallel(_ count: Int, workers: Int, _ job: @escaping @Sendable (Int) -> (status: Int32, stdout: String, stderr: String))
        -> [(status: Int32, stdout: String, stderr: String)]
    {
        let lock = NSLock()
        nonisolated(unsafe) var results = [(status: Int32, stdout: String, stderr: String)](repeating: (-1, "", ""), count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) {
                let r = job(i)
                lock.lock()
                results[i] = r
                lock.unlock()
            }
        }
        return results
    }

    func testTwoHundredParallelAddsGetDistinctAddressesAndParallelDelsFreeThemAll() throws {
        let h = try HostLocalHarness(ipam: Self.dualStack)
        let count = 200
        let started = Date()
        let adds = Self.parallel(count, workers: 8) { i in h.run("ADD", "stress-\(i)") }
        let addSeconds = Date().timeIntervalSince(started)

        var v4: [String: Int] = [:]
        var v6: [String: Int] = [:]
        for (i, r) in adds.enumerated() {
            XCTAssertEqual(r.status, 0, "ADD stress-\(i): \(r.stdout) \(r.stderr)")
            let addresses = PluginRun.parsedJSON(r.stdout)?.objectValue.map(HostLocalHarness.addresses) ?? []
            XCTAssertEqual(addresses.count, 2, "ADD stress-\(i): \(r.stdout)")
            guard addresses.count == 2 else { continue }
            XCTAssertNil(v4.updateValue(i, forKey: addresses[0]), "\(addresses[0]) handed out twice")
            XCTAssertNil(v6.updateValue(i, forKey: addresses[1]), "\(addresses[1]) handed out twice")
            // The store agrees with what the plugin printed.
            XCTAssertEqual(h.text(addresses[0]), "stress-\(i)\r\neth0")
            XCTAssertEqual(h.text(addresses[1]), "stress-\(i)\r\neth0")
        }
        XCTAssertEqual(v4.count, count)
        XCTAssertEqual(v6.count, count)
        XCTAssertEqual(h.addressFiles().count, 2 * count)
        // Nothing half-written: no temp files, and every address file has a complete record.
        let all = try FileManager.default.contentsOfDirectory(atPath: h.storeDirectory)
        XCTAssertEqual(all.filter { $0.hasPrefix(".") }, [])
        XCTAssertTrue(h.addressFiles().allSatisfy { h.text($0).hasSuffix("\r\neth0") })

        let delStarted = Date()
        let dels = Self.parallel(count, workers: 8) { i in h.run("DEL", "stress-\(i)") }
        let delSeconds = Date().timeIntervalSince(delStarted)
        for (i, r) in dels.enumerated() { XCTAssertEqual(r.status, 0, "DEL stress-\(i): \(r.stdout) \(r.stderr)") }
        XCTAssertEqual(h.addressFiles(), [])
        print(String(format: "host-local stress: %d dual-stack ADDs in %.2f s, %d DELs in %.2f s (8 parallel workers)",
                     count, addSeconds, count, delSeconds))
    }
}
