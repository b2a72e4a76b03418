import Foundation
import Glibc

/// A throwaway named network namespace (`ip netns add cnitest-1a2b3c4d`), deleted by `delete()` and,
/// as a safety net, on deinit. Tests put every link, address and route they create in one of these,
/// never in the root namespace. `TestNode` is the node flavour of it.
package class TestNamespace {
    package let name: String
    /// /run/netns/NAME
    package var path: String { "/run/netns/\(name)" }
    private var deleted = false

    /// Creating namespaces needs root; tests check this first:
    /// `try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")`.
    package static var isRoot: Bool { getuid() == 0 }

    /// Creates the namespace. `loopbackUp` also brings its `lo` up (left down by default, as the
    /// kernel creates it, so loopback plugin tests see the initial state).
    package init(prefix: String = "cnitest", loopbackUp: Bool = false) throws {
        name = "\(prefix)-\(String(format: "%08x", UInt32.random(in: 0...UInt32.max)))"
        try Command.check(["ip", "netns", "add", name])
        if loopbackUp { try Command.check(["ip", "-n", name, "link", "set", "lo", "up"]) }
    }

    deinit { delete() }

    /// Runs `argv` inside the namespace (`ip netns exec NAME argv...`); throws on a non-zero exit.
    @discardableResult
    package func run(_ argv: [String], stdin: String = "") throws -> String {
        try Command.check(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    /// Runs `argv` inside the namespace and reports status and output without throwing.
    @discardableResult
    package func runAllowingFailure(_ argv: [String], stdin: String = "") -> (status: Int32, stdout: String, stderr: String) {
        Command.run(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    /// `ip -n NAME <args>`: a shortcut for inspecting links, addresses and routes.
    @discardableResult
    package func ip(_ arguments: [String]) throws -> String {
        try Command.check(["ip", "-n", name] + arguments)
    }

    /// Deletes the namespace (and with it every device inside). Idempotent.
    package func delete() {
        guard !deleted else { return }
        deleted = true
        Command.run(["ip", "netns", "delete", name])
    }
}
