import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Which tools a hostPort ADD and DEL exec (strace of the plugin inside its node): where the
/// node's iptables is iptables-nft, reads go to nf_tables over netlink, so an ADD execs one
/// `iptables-restore` per family and no `iptables -S`; with legacy iptables first in PATH the
/// chains are listed with the tool, as before, and the rules still work.
final class PortmapExecCountTests: XCTestCase {
    static let mappings: JSONValue = [Portmap.mapping(18081, 8080, "tcp")]

    func testNftablesNodeAddExecsOnlyTheRestores() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let strace = try XCTUnwrap(Self.strace, "strace is installed by scripts/deps.sh --test")
        let resolved = URL(fileURLWithPath: "/usr/sbin/iptables").resolvingSymlinksInPath().path
        try XCTSkipUnless(resolved.hasSuffix("xtables-nft-multi"), "the node's iptables is not iptables-nft (\(resolved))")
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        let id = Portmap.randomID()
        let config = Portmap.config(mappings: Self.mappings, previous: bed.previousResult(version: "1.0.0"))

        let first = try Self.traced(strace, "ADD", config: config, id: id, bed: bed)
        XCTAssertEqual(first.execs, ["iptables-restore --noflush -w 10", "ip6tables-restore --noflush -w 10"], first.output)
        // A second container: the shared chains are found in the kernel, not written again.
        let other = Portmap.randomID()
        let second = try Self.traced(strace, "ADD", config: config, id: other, bed: bed)
        XCTAssertEqual(second.execs.count, 2, "\(second.execs)")
        let v4 = try bed.node.run(["iptables-save", "-t", "nat"])
        XCTAssertEqual(v4.components(separatedBy: "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT").count, 2, v4)
        XCTAssertEqual(v4.components(separatedBy: "-j MASQUERADE").count, 2, v4)
        XCTAssertTrue(v4.contains(#"id: \"\#(id)\""#) && v4.contains(#"id: \"\#(other)\""#), v4)

        // DEL lists only the entry chain (for its rules' exact text) and restores once per family.
        let del = try Self.traced(strace, "DEL", config: config, id: id, bed: bed)
        XCTAssertEqual(del.execs, ["iptables -w 10 -t nat -S CNI-HOSTPORT-DNAT", "iptables-restore --noflush -w 10",
                                   "ip6tables -w 10 -t nat -S CNI-HOSTPORT-DNAT", "ip6tables-restore --noflush -w 10"], del.output)
        // A DEL of a container whose chains are gone execs nothing.
        let again = try Self.traced(strace, "DEL", config: config, id: id, bed: bed)
        XCTAssertEqual(again.execs, [], again.output)
        let after = try bed.node.run(["iptables-save", "-t", "nat"])
        XCTAssertFalse(after.contains(#"id: \"\#(id)\""#), after)
        XCTAssertTrue(after.contains(#"id: \"\#(other)\""#), after)
    }

    func testLegacyIptablesFirstInPath() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let multi = "/usr/sbin/xtables-legacy-multi"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: multi), "no legacy iptables (\(multi))")
        let strace = try XCTUnwrap(Self.strace, "strace is installed by scripts/deps.sh --test")
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        let tools = try TemporaryDirectory(prefix: "pm-legacy")
        defer { withExtendedLifetime(tools) {} }
        for name in ["iptables", "iptables-restore", "ip6tables", "ip6tables-restore"] {
            try FileManager.default.createSymbolicLink(atPath: tools.path + "/" + name, withDestinationPath: multi)
        }
        let path = tools.path + ":" + Command.pluginSearchPath
        let id = Portmap.randomID()
        let config = Portmap.config(mappings: Self.mappings, previous: bed.previousResult(version: "1.0.0"))

        let add = try Self.traced(strace, "ADD", config: config, id: id, bed: bed, path: path)
        XCTAssertTrue(add.execs.contains("iptables -w 10 -t nat -S PREROUTING"), "legacy: chains listed with the tool \(add.execs)")
        XCTAssertEqual(add.execs.filter { $0.hasPrefix("iptables-restore") || $0.hasPrefix("ip6tables-restore") }.count, 2)
        let legacy = try bed.node.run([multi, "iptables-save", "-t", "nat"])
        XCTAssertTrue(legacy.contains(#"id: \"\#(id)\""#), legacy)
        XCTAssertTrue(legacy.contains("-j DNAT --to-destination 10.244.1.3:8080"), legacy)
        XCTAssertFalse(try bed.node.run(["iptables-nft-save", "-t", "nat"]).contains(id), "nothing written through nf_tables")

        let del = try Self.traced(strace, "DEL", config: config, id: id, bed: bed, path: path)
        XCTAssertEqual(del.status, 0, del.output)
        XCTAssertFalse(try bed.node.run([multi, "iptables-save", "-t", "nat"]).contains(id))
    }

    static var strace: String? {
        ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs our portmap inside the node under `strace -f -e trace=execve`; returns its status and
    /// the iptables-family commands it exec'ed (tool name and arguments).
    static func traced(_ strace: String, _ command: String, config: String, id: String, bed: PortmapTestbed,
                       path: String = Command.pluginSearchPath) throws -> (status: Int32, execs: [String], output: String) {
        let trace = try TemporaryDirectory(prefix: "pm-trace")
        defer { withExtendedLifetime(trace) {} }
        let log = trace.path + "/execve"
        let env = PluginRun.environment(command: command, containerID: id, netns: bed.pod.path, ifname: "eth0",
                                        cniPath: PluginBinaries.makePluginDir(), extraEnv: ["PATH": path])
        let plugin = PluginBinaries.makePluginDir() + "/portmap"
        let r = Command.run(bed.node.execPrefix + [strace, "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-s", "256",
                                                   "-o", log, plugin], stdin: config, environment: env)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let lines = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let execs = lines.split(separator: "\n").compactMap { line -> String? in
            // 1234 execve("/usr/sbin/iptables", ["iptables", "-w", ...], 0x... /* 5 vars */) = 0
            guard line.contains("execve("), line.hasSuffix("= 0"), let open = line.firstIndex(of: "["),
                  let close = line.firstIndex(of: "]") else { return nil }
            let argv = line[line.index(after: open)..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            guard let tool = argv.first.map({ ($0 as NSString).lastPathComponent }), tool.contains("tables") else { return nil }
            return ([tool] + argv.dropFirst()).joined(separator: " ")
        }
        return (r.status, execs, r.stdout + r.stderr + lines)
    }
}
