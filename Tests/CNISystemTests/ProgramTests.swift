import CNISystem
import CNITestSupport
import XCTest

final class ProgramTests: XCTestCase {
    func testRoundTripsLargeStdinAndOutput() throws {
        // 2 MiB through cat and 1.5 MiB on stderr at once: a naive read-after-wait would deadlock.
        let input = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let r = try Program.run("/bin/sh", arguments: ["-c", "cat; head -c 1572864 /dev/zero >&2; exit 3"], stdin: input)
        XCTAssertEqual(r.exitStatus, 3)
        XCTAssertNil(r.signal)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.stdout.count, input.count)
        XCTAssertTrue(r.stdout == input)
        XCTAssertEqual(r.stderr.count, 1_572_864)
    }

    func testArgumentsAreNotInterpretedByAShell() throws {
        let r = try Program.run("/bin/echo", arguments: ["$(id)", "a;b", "'q'"])
        XCTAssertEqual(r.stdoutText, "$(id) a;b 'q'\n")
        XCTAssertTrue(r.succeeded)
    }

    func testEnvironmentIsReplacedWhenGiven() throws {
        let r = try Program.run("/usr/bin/env", arguments: [], environment: ["A=1", "B=two words"])
        XCTAssertEqual(r.stdoutText, "A=1\nB=two words\n")
    }

    func testTimeoutKills() throws {
        let start = Date()
        let r = try Program.run("/bin/sleep", arguments: ["10"], timeoutSeconds: 0.3)
        XCTAssertTrue(r.timedOut)
        XCTAssertEqual(r.signal, SIGKILL)
        XCTAssertEqual(r.exitStatus, 128 + SIGKILL)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testChildThatIgnoresStdinDoesNotBreakUs() throws {
        let r = try Program.run("/bin/true", arguments: [], stdin: [UInt8](repeating: 7, count: 4 << 20))
        XCTAssertEqual(r.exitStatus, 0)
    }

    func testMissingExecutableReadsLikeGo() {
        XCTAssertThrowsError(try Program.run("/nonexistent/nft", arguments: [])) { error in
            XCTAssertEqual("\(error)", "fork/exec /nonexistent/nft: no such file or directory")
        }
    }

    func testFindExecutable() {
        XCTAssertEqual(Program.findExecutable("sh", searchPath: "/nonexistent::/bin"), "/bin/sh")
        XCTAssertNil(Program.findExecutable("definitely-not-here", searchPath: "/bin:/usr/bin"))
        XCTAssertNil(Program.findExecutable("sh", searchPath: nil))
        XCTAssertEqual(Program.findExecutable("/bin/sh", searchPath: nil), "/bin/sh")
    }

    func testNoDescriptorLeaksIntoChild() throws {
        // Every fd we open is CLOEXEC, so the child sees only 0, 1, 2 (and ls's own directory fd).
        let fd = try FileDescriptor.open("/etc/hostname", flags: O_RDONLY)
        let r = try Program.run("/bin/ls", arguments: ["/proc/self/fd"])
        let fds = r.stdoutText.split(separator: "\n").compactMap { Int32($0) }
        XCTAssertFalse(fds.contains(fd.rawValue), "fd \(fd.rawValue) leaked: \(fds)")
    }
}

final class SystemToolTests: XCTestCase {
    /// PATH first (k3s/rke2 put their bundled iptables there), then the system directories.
    func testPathComesFirstThenTheSystemDirectories() {
        let path = ProcessEnvironment.current()["PATH"] ?? ""
        let search = SystemTool.searchPath
        XCTAssertTrue(search.hasSuffix(SystemTool.fallbackDirectories))
        if !path.isEmpty { XCTAssertTrue(search.hasPrefix(path + ":"), search) }
        XCTAssertEqual(SystemTool.fallbackDirectories, "/usr/sbin:/sbin:/usr/bin:/bin")
        XCTAssertNotNil(SystemTool.find("sh"))
        XCTAssertNil(SystemTool.find("definitely-not-a-tool-here"))
    }

    /// The search path is a function of the PATH value it is given, whoever's environment that is.
    func testSearchPathOfAGivenPath() {
        XCTAssertEqual(SystemTool.searchPath(path: "/opt/k3s/bin"), "/opt/k3s/bin:/usr/sbin:/sbin:/usr/bin:/bin")
        XCTAssertEqual(SystemTool.searchPath(path: ""), SystemTool.fallbackDirectories)
        XCTAssertEqual(SystemTool.searchPath(path: nil), SystemTool.fallbackDirectories)
        XCTAssertNil(SystemTool.find("sh", searchPath: "/nonexistent"))
        XCTAssertEqual(SystemTool.find("sh", searchPath: "/bin"), "/bin/sh")
    }
}
