import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Runs host-local binaries (ours through the multicall executable, or Debian's reference) against
/// a temp dataDir. host-local needs no network namespace: CNI_NETNS only has to be set for ADD and
/// CHECK, so `/proc/self/ns/net` is used and no root is needed. That is the plugin's own netns,
/// which every plugin refuses (code 8) unless `CNI_NETNS_OVERRIDE=1` says it is meant: `run` sets
/// it whenever that path is given.
struct HostLocalHarness: @unchecked Sendable {  // immutable; TemporaryDirectory only holds a path
    static let referenceBinary = PluginBinaries.referencePluginDir + "/host-local"
    static var hasReference: Bool { FileManager.default.isExecutableFile(atPath: referenceBinary) }

    let dataDir: TemporaryDirectory
    let network: String
    let version: String
    /// The `ipam` members besides `type` and `dataDir`, e.g. `["ranges": [[["subnet": "10.1.0.0/24"]]]]`.
    let ipam: JSONObject

    init(version: String = "1.0.0", network: String = "net1", ipam: JSONValue) throws {
        dataDir = try TemporaryDirectory(prefix: "hostlocal")
        self.network = network
        self.version = version
        self.ipam = ipam.objectValue ?? JSONObject()
    }

    var storeDirectory: String { dataDir.path + "/" + network }
    var ours: String { PluginBinaries.makePluginDir() + "/host-local" }

    /// The network config: cniVersion, name, type, the members of `extra` (an object), then `ipam`.
    func config(extra: JSONValue = [:], version: String? = nil) -> String {
        let ipamObject = JSONObject([("type", "host-local"), ("dataDir", .string(dataDir.path))] + Self.pairs(ipam))
        let top: [(String, JSONValue)] = [("cniVersion", .string(version ?? self.version)), ("name", .string(network)), ("type", "host-local")]
        return JSONSerializer.string(.object(JSONObject(top + Self.pairs(extra.objectValue ?? JSONObject()) + [("ipam", .object(ipamObject))])))
    }

    /// A CNI_NETNS that always exists: the plugin's own netns (host-local never enters it).
    static let ownNetns = "/proc/self/ns/net"

    private static func pairs(_ object: JSONObject) -> [(String, JSONValue)] { object.entries.map { ($0.key, $0.value) } }

    @discardableResult
    func run(_ command: String, _ id: String?, ifname: String? = "eth0", binary: String? = nil, cniArgs: String? = nil,
             netns: String? = HostLocalHarness.ownNetns, config: String? = nil) -> (status: Int32, stdout: String, stderr: String) {
        // The plugin's own netns on purpose (see above): the self-check is overridden.
        let override = netns == Self.ownNetns ? ["CNI_NETNS_OVERRIDE": "1"] : [:]
        return PluginRun.run(plugin: binary ?? ours, command: command, containerID: id, netns: netns, ifname: ifname,
                             cniArgs: cniArgs, cniPath: PluginBinaries.makePluginDir(), config: config ?? self.config(),
                             extraEnv: override)
    }

    /// ADD that must succeed; returns the parsed result.
    func add(_ id: String, ifname: String = "eth0", binary: String? = nil, cniArgs: String? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        let r = run("ADD", id, ifname: ifname, binary: binary, cniArgs: cniArgs)
        XCTAssertEqual(r.status, 0, "ADD \(id): \(r.stdout) \(r.stderr)", file: file, line: line)
        return try XCTUnwrap(PluginRun.parsedJSON(r.stdout)?.objectValue, "ADD \(id) printed \(r.stdout)", file: file, line: line)
    }

    /// The addresses (without prefix) of a 0.3.0+ result.
    static func addresses(_ result: JSONObject) -> [String] {
        (result["ips"]?.arrayValue ?? []).compactMap { $0["address"]?.stringValue?.split(separator: "/").first.map(String.init) }
    }

    /// The `msg` of an error printed on stdout.
    static func errorMessage(_ output: String) -> String? {
        PluginRun.parsedJSON(output)?["msg"]?.stringValue
    }

    /// Address files in the store (not lock, last_reserved_ip.*, temp files).
    func addressFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: storeDirectory)) ?? []
        return names.filter { !$0.hasPrefix(".") && IPAddress($0) != nil }.sorted()
    }

    func contents(_ name: String) -> [UInt8] {
        (FileManager.default.contents(atPath: storeDirectory + "/" + name)).map { Array($0) } ?? []
    }

    func text(_ name: String) -> String {
        String(decoding: contents(name), as: UTF8.self)
    }

    func mode(_ name: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: storeDirectory + "/" + name)
        return (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
