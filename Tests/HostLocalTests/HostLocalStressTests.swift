import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Many real plugin processes on one store at once: the flock plus exclusive creates must give
/// every container its own addresses, and parallel DELs must leave nothing behind.
final class HostLocalStressTests: XCTestCase {
    static let dualStack: JSONValue = ["ranges": [[["subnet": "10.50.0.0/24"]], [["subnet": "fd00:50::/64"]]]]

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

/// kill -9 at arbitrary moments must never leave an empty or partial reservation behind.
final class HostLocalKillTests: XCTestCase {
    func testKilledAddsLeaveOnlyCompleteRecords() throws {
        let h = try HostLocalHarness(version: "1.1.0", ipam: HostLocalStressTests.dualStack)
        let plugin = h.ours
        let config = Data(h.config().utf8)
        let count = 40
        let runs = HostLocalStressTests.parallel(count, workers: 4) { i in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: plugin)
            // The plugin's own netns, on purpose (host-local never enters it): hence the override.
            p.environment = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "kill-\(i)", "CNI_IFNAME": "eth0",
                             "CNI_NETNS": HostLocalHarness.ownNetns, "CNI_NETNS_OVERRIDE": "1", "CNI_PATH": "/nonexistent"]
            let input = Pipe()
            p.standardInput = input
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return (-1, "", "\(error)") }
            input.fileHandleForWriting.write(config)
            try? input.fileHandleForWriting.close()
            usleep(UInt32.random(in: 0...10_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return (p.terminationReason == .uncaughtSignal ? -9 : p.terminationStatus, "", "")
        }
        let reservedBeforeGC = h.addressFiles().count
        for name in h.addressFiles() {
            XCTAssertTrue(h.text(name).hasPrefix("kill-") && h.text(name).hasSuffix("\r\neth0"), "\(name) holds \(h.text(name).debugDescription)")
        }
        for index in 0...1 where FileManager.default.fileExists(atPath: h.storeDirectory + "/last_reserved_ip.\(index)") {
            XCTAssertNotNil(IPAddress(h.text("last_reserved_ip.\(index)")), "last_reserved_ip.\(index) is complete")
        }
        // The lock died with its holders: GC gets it, releases everything and sweeps orphaned temp files.
        let gc = h.run("GC", nil, ifname: nil, netns: nil, config: h.config(extra: ["cni.dev/valid-attachments": []]))
        XCTAssertEqual(gc.status, 0, gc.stdout)
        let left = try FileManager.default.contentsOfDirectory(atPath: h.storeDirectory)
        XCTAssertEqual(left.filter { $0 != "lock" && $0 != "boot_id" && !$0.hasPrefix("last_reserved_ip.") }, [])
        let killed = runs.filter { $0.status == -9 }.count
        print("host-local kill test: \(killed) of \(count) ADDs killed, \(reservedBeforeGC) address files before GC, \(left.count) entries after")
    }
}
