import CNITestSupport
import Foundation
import XCTest
@testable import CNISystem

final class FileSystemTests: XCTestCase {
    func testAtomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state")
        try FileSystem.writeFileAtomically(path, Array("first".utf8), mode: 0o644)
        try FileSystem.writeFileAtomically(path, Array("second".utf8), mode: 0o600)
        XCTAssertEqual(try FileSystem.readFile(path), Array("second".utf8))
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), ["state"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testExclusiveCreateFailsWithEEXISTAndKeepsCompleteContent() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("10.0.0.2")
        let payload = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        try FileSystem.createFileExclusively(path, payload, mode: 0o644)
        XCTAssertThrowsError(try FileSystem.createFileExclusively(path, Array("other".utf8), mode: 0o644)) { error in
            guard let e = error as? SystemError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.errno, .fileExists)
            XCTAssertEqual(e.description, "open \(path): file exists")
        }
        XCTAssertEqual(try FileSystem.readFile(path), payload)
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), ["10.0.0.2"], "temp files must be cleaned up")
    }

    func testReadMissingFileReadsLikeGo() {
        XCTAssertThrowsError(try FileSystem.readFile("/nonexistent/subnet.env")) { error in
            XCTAssertEqual("\(error)", "open /nonexistent/subnet.env: no such file or directory")
            XCTAssertTrue(Errno.noSuchFileOrDirectory ~= error)
        }
    }

    func testReadLimit() throws {
        let dir = try TemporaryDirectory()
        try FileSystem.writeFileAtomically(dir.file("big"), [UInt8](repeating: 1, count: 1000), mode: 0o600)
        XCTAssertThrowsError(try FileSystem.readFile(dir.file("big"), limit: 999))
        XCTAssertEqual(try FileSystem.readFile(dir.file("big"), limit: 1000).count, 1000)
    }

    func testRemoveAndDirectories() throws {
        let dir = try TemporaryDirectory()
        let nested = dir.file("a/b/c")
        try FileSystem.makeDirectory(nested, mode: 0o755)
        try FileSystem.makeDirectory(nested, mode: 0o755)  // existing is fine
        XCTAssertTrue(FileSystem.isDirectory(nested))
        let file = nested + "/f"
        try FileSystem.writeFileAtomically(file, [1], mode: 0o600)
        XCTAssertTrue(FileSystem.fileExists(file))
        XCTAssertFalse(FileSystem.isExecutable(file))
        XCTAssertThrowsError(try FileSystem.makeDirectory(file + "/x", mode: 0o755, recursive: false))
        XCTAssertTrue(try FileSystem.removeFileIfPresent(file))
        XCTAssertFalse(try FileSystem.removeFileIfPresent(file))
        XCTAssertThrowsError(try FileSystem.removeFile(file)) { XCTAssertEqual(($0 as? SystemError)?.errno, .noSuchFileOrDirectory) }
        XCTAssertEqual(try FileSystem.listDirectory(dir.file("a")), ["b"])
        XCTAssertThrowsError(try FileSystem.listDirectory(dir.file("missing")))
        XCTAssertTrue(FileSystem.isExecutable("/bin/sh"))
        XCTAssertEqual(FileSystem.directoryName(of: "/a/b/"), "/a")
        XCTAssertEqual(FileSystem.directoryName(of: "/a"), "/")
        XCTAssertEqual(FileSystem.directoryName(of: "a"), ".")
    }

    func testFileLockExcludesOtherThreads() throws {
        let dir = try TemporaryDirectory()
        let lockPath = dir.file("lock")
        let counterPath = dir.file("counter")
        try FileSystem.writeFileAtomically(counterPath, Array("0".utf8), mode: 0o600)
        let threads = 4, rounds = 25
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<rounds {
                // Read-modify-write with a yield in between: only the lock keeps it exact.
                try? FileLock.withExclusiveLock(path: lockPath) {
                    let text = String(decoding: (try? FileSystem.readFile(counterPath)) ?? [], as: UTF8.self)
                    let value = Int(text) ?? -1000
                    usleep(200)
                    try? FileSystem.writeFileAtomically(counterPath, Array(String(value + 1).utf8), mode: 0o600)
                }
            }
        }
        XCTAssertEqual(String(decoding: try FileSystem.readFile(counterPath), as: UTF8.self), String(threads * rounds))
        let attributes = try FileManager.default.attributesOfItem(atPath: lockPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testFileLockExcludesOtherProcesses() throws {
        let dir = try TemporaryDirectory()
        let lockPath = dir.file("lock")
        // flock(1) in another process holds the lock for a while; we must wait for it.
        guard Program.findExecutable("flock", searchPath: "/usr/bin:/bin") != nil else {
            throw XCTSkip("flock(1) not installed")
        }
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lockPath, "sleep", "0.6"]
        try holder.run()
        // Wait until the holder has the lock.
        var held = false
        for _ in 0..<100 {
            if Command.run(["flock", "-n", lockPath, "true"]).status != 0 { held = true; break }
            usleep(10_000)
        }
        XCTAssertTrue(held, "helper never took the lock")
        let start = Date()
        try FileLock.withExclusiveLock(path: lockPath) {}
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.2)
        holder.waitUntilExit()
    }

    func testErrnoDescriptions() {
        XCTAssertEqual(Errno.noSuchFileOrDirectory.description, "no such file or directory")
        XCTAssertEqual(Errno.fileExists.description, "file exists")
        XCTAssertEqual(Errno.noSuchDevice.description, "no such device")
        XCTAssertEqual(Errno.addressNotAvailable.description, "cannot assign requested address")
        XCTAssertEqual(SystemError(operation: "read", errno: .invalidArgument).description, "read: invalid argument")
    }

    func testSysctlKeyPaths() throws {
        XCTAssertEqual(Sysctl.path(for: "net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward")
        XCTAssertEqual(Sysctl.path(for: "net/ipv4/conf/eth0.100/forwarding"), "/proc/sys/net/ipv4/conf/eth0.100/forwarding")
        let value = try Sysctl.read("kernel/ostype")
        XCTAssertEqual(value, "Linux")
        XCTAssertThrowsError(try Sysctl.read("net.nonexistent.key"))
    }

    func testEnvironmentAndStandardIO() throws {
        setenv("CNI_SYSTEM_TEST_VAR", "a=b", 1)
        XCTAssertEqual(ProcessEnvironment.current()["CNI_SYSTEM_TEST_VAR"], "a=b")
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        StandardIO.write(Array("hello".utf8), fd: fds[1])
        close(fds[1])
        XCTAssertEqual(try StandardIO.readAll(fd: fds[0], limit: 100), Array("hello".utf8))
        close(fds[0])
        // Writing into a pipe nobody reads must not kill the process (SIGPIPE is blocked).
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        StandardIO.write(Array("lost".utf8), fd: fds[1])
        close(fds[1])
    }
}

final class FileSystemHardeningTests: XCTestCase {
    func testPathsWithNULAreRefusedNotTruncated() throws {
        let dir = try TemporaryDirectory(prefix: "nul")
        XCTAssertThrowsError(try FileSystem.writeFileAtomically(dir.path + "/a\u{0}b", [1], mode: 0o600))
        XCTAssertFalse(FileSystem.fileExists(dir.path + "/a"), "the name must not be cut at the NUL")
        XCTAssertFalse(FileSystem.isExecutable("/bin/sh\u{0}x"))
        XCTAssertThrowsError(try FileSystem.readFile("/etc/hostname\u{0}x"))
    }

    func testAbandonedTemporaryFilesOfDeadWritersAreRemoved() throws {
        let dir = try TemporaryDirectory(prefix: "tmpgc")
        // A pid that is certainly not running, and our own (alive) pid.
        let dead = ".c-1.tmp-2147483646-abcd", alive = ".c2.tmp-\(getpid())-abcd", other = "10.0.0.2"
        for name in [dead, alive, other] { try FileSystem.writeFileAtomically(dir.path + "/" + name, [1], mode: 0o600) }
        XCTAssertEqual(FileSystem.removeTemporaryFiles(in: dir.path, onlyAbandoned: true), [dead])
        XCTAssertEqual(Set(try FileSystem.listDirectory(dir.path)), [alive, other])
        XCTAssertEqual(FileSystem.removeTemporaryFiles(in: dir.path, onlyAbandoned: false), [alive])
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), [other])
    }

    func testTemporaryNameRuleNamesTheTargetAndTheWriter() throws {
        let name = FileSystem.temporaryFileName(for: "last_reserved_ip.0")
        XCTAssertTrue(name.hasPrefix(".last_reserved_ip.0.tmp-\(getpid())-"), name)
        XCTAssertEqual(FileSystem.temporaryFileParts(name)?.base, "last_reserved_ip.0")
        XCTAssertEqual(FileSystem.temporaryFileParts(name)?.pid, getpid())
        XCTAssertEqual(FileSystem.temporaryFileParts(".c-1.tmp-7-ab")?.base, "c-1")
        XCTAssertEqual(FileSystem.temporaryFileParts(".10.1.0.7.tmp-1-abc")?.base, "10.1.0.7")
        for other in ["10.1.0.7", ".tmp-1-a", ".c.tmp-x-ab", ".c.tmp-1-", ".c.tmp-1-xyz", "c.tmp-1-ab", ".c.tmp--1-ab",
                      ".boot_id", ".lock", "last_reserved_ip.0", ".c.tmp-0-ab"] {
            XCTAssertFalse(FileSystem.isTemporaryFileName(other), other)
        }
    }

    func testCleanupByBaseKeepsOtherTargetsTemporaryFiles() throws {
        let dir = try TemporaryDirectory(prefix: "tmpgc")
        let mine = ".c1.tmp-2147483646-ab", lookalike = ".c10.tmp-2147483646-ab", saved = "c1"
        for name in [mine, lookalike, saved] { try FileSystem.writeFileAtomically(dir.path + "/" + name, [1], mode: 0o600) }
        XCTAssertEqual(FileSystem.removeTemporaryFiles(in: dir.path, base: "c1", onlyAbandoned: true), [mine])
        XCTAssertEqual(Set(try FileSystem.listDirectory(dir.path)), [lookalike, saved])
    }

    /// The content is staged nameless (O_TMPFILE) and only ever appears complete, under its name.
    func testStagedContentHasNoNameUntilLinked() throws {
        let dir = try TemporaryDirectory(prefix: "tmpfile")
        let staged = try StagedFile(for: dir.file("10.0.0.9"), Array("c9\r\neth0".utf8), mode: 0o600, sync: false, anonymous: true)
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), [], "an O_TMPFILE inode has no name")
        try staged.link(to: dir.file("10.0.0.9"))
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), ["10.0.0.9"])
        XCTAssertEqual(try FileSystem.readFile(dir.file("10.0.0.9")), Array("c9\r\neth0".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("10.0.0.9"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        // Dropped without linking: nothing is left.
        _ = try StagedFile(for: dir.file("10.0.0.10"), [1], mode: 0o600, sync: false, anonymous: true)
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), ["10.0.0.9"])
    }

    /// Where O_TMPFILE is unsupported, a named temp file (the same rule) stands in, and is gone
    /// after success and after failure.
    func testFallbackWithoutTmpfileLeavesNoTemporaryName() throws {
        let dir = try TemporaryDirectory(prefix: "tmpfile")
        do {
            let staged = try StagedFile(for: dir.file("x"), [1, 2], mode: 0o600, sync: true, anonymous: false)
            let names = try FileSystem.listDirectory(dir.path)
            XCTAssertEqual(names.count, 1)
            XCTAssertEqual(names.first.flatMap { FileSystem.temporaryFileParts($0)?.base }, "x")
            withExtendedLifetime(staged) {}
        }
        XCTAssertEqual(try FileSystem.listDirectory(dir.path), [], "dropped unlinked: its temp file goes")
        try FileSystem.createFileExclusively(dir.file("a"), [1], mode: 0o600, durable: true, anonymous: false)
        XCTAssertThrowsError(try FileSystem.createFileExclusively(dir.file("a"), [2], mode: 0o600, durable: true, anonymous: false)) {
            XCTAssertEqual(($0 as? SystemError)?.errno, .fileExists)
        }
        try FileSystem.writeFileAtomically(dir.file("b"), [3], mode: 0o600, durable: false, anonymous: false)
        try FileSystem.writeFileAtomically(dir.file("b"), [4], mode: 0o600, durable: false, anonymous: false)
        XCTAssertEqual(try FileSystem.listDirectory(dir.path).sorted(), ["a", "b"])
        XCTAssertEqual(try FileSystem.readFile(dir.file("a")), [1])
        XCTAssertEqual(try FileSystem.readFile(dir.file("b")), [4])
    }

    func testMissingDirectoryFailsNamingTheTarget() {
        XCTAssertThrowsError(try FileSystem.createFileExclusively("/nonexistent-dir/10.0.0.2", [1], mode: 0o600)) {
            XCTAssertEqual("\($0)", "open /nonexistent-dir/10.0.0.2: no such file or directory")
        }
    }
}
