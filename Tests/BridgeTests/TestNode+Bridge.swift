import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The bridge tests' view of a `TestNode`: a bridge + host-local config on the node's ipam dataDir,
/// verbs run for pods, and the kernel state they left.
extension TestNode {
    /// A network config for this node (host-local with this node's dataDir); the keys of `extra`
    /// and `ipamExtra` (objects) are added to the config and to its `ipam`.
    func config(name: String = "brtest", cniVersion: String = "1.0.0", subnet: String = "10.99.0.0/24",
                extra: JSONValue = [:], ipamType: String = "host-local", ipamExtra: JSONValue = [:]) -> String {
        var ipam = JSONObject([
            ("type", .string(ipamType)), ("dataDir", .string(ipamDir)), ("ranges", [[["subnet": .string(subnet)]]]),
            ("routes", [["dst": "10.244.0.0/16"]]),
        ])
        for (k, v) in ipamExtra.objectValue ?? JSONObject() { ipam[k] = v }
        var c = JSONObject([("cniVersion", .string(cniVersion)), ("name", .string(name)), ("type", "bridge"), ("ipam", .object(ipam))])
        for (k, v) in extra.objectValue ?? JSONObject() { c[k] = v }
        return JSONSerializer.string(.object(c), sortedKeys: true)
    }

    /// Runs the bridge plugin inside the node namespace.
    @discardableResult
    func run(_ command: String, id: String, netns: String?, ifname: String = "eth0", config: String,
             cniArgs: String? = nil) -> (status: Int32, stdout: String, stderr: String) {
        runPlugin("bridge", command: command, containerID: id, netns: netns, ifname: ifname, cniArgs: cniArgs, config: config)
    }

    /// ADD that must succeed; returns the parsed result.
    func add(id: String, pod: TestNamespace, ifname: String = "eth0", config: String,
             file: StaticString = #filePath, line: UInt = #line) throws -> PluginResult {
        let r = run("ADD", id: id, netns: pod.path, ifname: ifname, config: config)
        XCTAssertEqual(r.status, 0, "ADD failed: \(r.stdout) \(r.stderr)", file: file, line: line)
        guard r.status == 0 else { throw PluginFailure(output: r.stdout + r.stderr) }
        return try PluginResult.decode(r.stdout)
    }

    /// The config with `prevResult` set to `result` (what the runtime sends on CHECK/DEL).
    func config(_ config: String, prevResult result: PluginResult) -> String {
        guard var c = (try? JSONParser.parse(config))?.objectValue, let previous = try? JSONParser.parse(result.text) else {
            return config
        }
        c["prevResult"] = previous
        return JSONSerializer.string(.object(c), sortedKeys: true)
    }

    /// `iptables-save -t nat` (or ip6tables-save) in the node.
    func natRules(ipv6: Bool = false) throws -> String {
        try run([ipv6 ? "ip6tables-save" : "iptables-save", "-t", "nat"])
    }

    /// Lines of `-A` rules that mention a `CNI-` chain (IPv4 and IPv6 tables).
    func cniNatRules() throws -> [String] {
        try (natRules() + natRules(ipv6: true)).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("-A ") && $0.contains("CNI-") }
    }

    /// Host-local reservation files (everything but lock and last_reserved_ip.*).
    func reservations(network: String = "brtest") -> [String] {
        let dir = ipamDir + "/" + network
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0 != "lock" && $0 != "boot_id" && !$0.hasPrefix("last_reserved_ip") }.sorted()
    }

    /// Names of the veth links in the node.
    func veths() throws -> [String] {
        try ip(["-o", "link", "show", "type", "veth"]).split(separator: "\n").compactMap { line in
            line.split(separator: ":").dropFirst().first
                .flatMap { $0.trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) }
        }
    }

    /// `ping` from `pod` (busybox, installed by scripts/deps.sh; else the system ping).
    func ping(from pod: TestNamespace, _ address: String) -> Bool {
        let tool = FileManager.default.isExecutableFile(atPath: "/usr/bin/busybox") || FileManager.default.isExecutableFile(atPath: "/bin/busybox")
            ? ["busybox", "ping"] : ["ping"]
        return pod.runAllowingFailure(tool + ["-c1", "-W2", address]).status == 0
    }
}

/// A plugin run that had to succeed did not.
struct PluginFailure: Error, CustomStringConvertible {
    let output: String
    var description: String { "plugin failed: \(output)" }
}
