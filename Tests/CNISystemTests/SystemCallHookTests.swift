import CNISystem
import CNITestSupport
import Glibc
import XCTest

/// Failure paths the kernel does not produce on demand, reached through `SystemCallHooks`.
/// No root needed: the hooked calls never reach the kernel.
final class SystemCallHookTests: XCTestCase {
    override func tearDown() {
        SystemCallHooks.setns = nil
        SystemCallHooks.posixSpawn = nil
        SystemCallHooks.flock = nil
    }

    /// A failed switch back leaves the thread in the wrong namespace: the process must print a CNI
    /// error and end at once. Tested in a child (this test binary re-run on `NamespaceAbortChild`),
    /// since the abort ends the process it happens in.
    func testFailedSwitchBackPrintsACNIErrorAndExits() throws {
        let executable = CommandLine.arguments[0]
        var environment = ProcessEnvironment.entries().filter { !$0.hasPrefix(NamespaceAbortChild.marker + "=") }
        environment.append(NamespaceAbortChild.marker + "=1")
        let r = try Program.run(executable, arguments: ["CNISystemTests.NamespaceAbortChild/testAbort"],
                                   environment: environment, timeoutSeconds: 120)
        XCTAssertEqual(r.exitStatus, 1, r.stdoutText + r.stderrText)
        let expected = #"{"code":999,"msg":"failed to return to the original network namespace","#
            + #""details":"setns back from /proc/thread-self/ns/net: operation not permitted"}"#
        XCTAssertTrue(r.stdoutText.split(separator: "\n").contains { $0 == expected }, r.stdoutText)
        XCTAssertFalse(r.stdoutText.contains("still running"), r.stdoutText)
    }

    func testFailedSwitchIntoTheNamespaceThrowsAndRunsNothing() throws {
        SystemCallHooks.setns = { _, _ in
            errno = EINVAL
            return -1
        }
        var ran = false
        XCTAssertThrowsError(try NetworkNamespace.current().run { ran = true }) { error in
            XCTAssertEqual((error as? SystemError)?.errno, .invalidArgument)
        }
        XCTAssertFalse(ran)
    }

    /// posix_spawn's EAGAIN (no process slot left) is a Go-style error; the pipes are closed and
    /// SIGPIPE is back as it was.
    func testSpawnFailureIsAnErrorAndLeaksNothing() throws {
        SystemCallHooks.posixSpawn = { _ in .failure(.wouldBlock) }
        let descriptorsBefore = try openDescriptors()
        let blockedBefore = brokenPipeBlocked()
        XCTAssertThrowsError(try Program.run("/bin/true", arguments: [])) { error in
            XCTAssertEqual((error as? SystemError)?.errno, .wouldBlock)
            XCTAssertEqual("\(error)", "fork/exec /bin/true: resource temporarily unavailable")
        }
        XCTAssertEqual(try openDescriptors(), descriptorsBefore)
        XCTAssertEqual(brokenPipeBlocked(), blockedBefore)
        SystemCallHooks.posixSpawn = { _ in nil }
        XCTAssertTrue(try Program.run("/bin/true", arguments: []).succeeded, "a hook answering nil lets the spawn go ahead")
    }

    /// An interrupted flock is retried; a failed one throws before the body runs.
    func testInterruptedFlockIsRetriedAndAFailedOneRunsNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/lock"
        var operations: [Int32] = []
        var interruptNext = true
        SystemCallHooks.flock = { _, operation in
            operations.append(operation)
            if interruptNext {
                interruptNext = false
                errno = EINTR
                return -1
            }
            return 0
        }
        XCTAssertEqual(try FileLock.withExclusiveLock(path: path) { 7 }, 7)
        XCTAssertEqual(operations, [LOCK_EX, LOCK_EX, LOCK_UN])

        SystemCallHooks.flock = { _, _ in
            errno = ENOLCK
            return -1
        }
        var ran = false
        XCTAssertThrowsError(try FileLock.withExclusiveLock(path: path) { ran = true }) { error in
            XCTAssertEqual((error as? SystemError)?.errno, Errno(ENOLCK))
        }
        XCTAssertFalse(ran)
    }

    private func openDescriptors() throws -> [String] {
        try FileSystem.listDirectory("/proc/self/fd").sorted()
    }

    private func brokenPipeBlocked() -> Bool {
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        return sigismember(&mask, SIGPIPE) == 1
    }
}

/// The child of `testFailedSwitchBackPrintsACNIErrorAndExits`: switches "into" its own namespace
/// (hooked: succeeds) and back (hooked: EPERM), which must end the process with exit status 1.
/// Skipped in an ordinary run.
final class NamespaceAbortChild: XCTestCase {
    static let marker = "CNI_SYSTEM_TESTS_ABORT_CHILD"

    func testAbort() throws {
        try XCTSkipUnless(ProcessEnvironment.current()[Self.marker] == "1",
                          "only runs as the child process of SystemCallHookTests")
        var calls = 0
        SystemCallHooks.setns = { _, _ in
            calls += 1
            if calls == 1 { return 0 }
            errno = EPERM
            return -1
        }
        let namespace = try NetworkNamespace.current()
        _ = try namespace.run { 42 }
        StandardIO.write("still running after a failed switch back\n", fd: 1)
        XCTFail("still running after a failed switch back")
    }
}
