import CNIProtocol
import CNITestSupport
import CNIValues
import FlannelPlugin
import Foundation
import XCTest

/// The shipped `conflists/*.conflist`: valid JSON, valid names and versions, every plugin type
/// is one of ours, capabilities are booleans on the plugins that use them, and the flannel
/// entries pass flannel's own checks. `10-flannel.conflist` is kube-flannel's `cni-conf.json`.
final class ConflistTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("conflists").path

    /// kube-flannel.yml, ConfigMap kube-flannel-cfg, `cni-conf.json` (YAML block scalar, so one
    /// trailing newline).
    static let kubeFlannel = """
        {
          "name": "cbr0",
          "cniVersion": "0.3.1",
          "plugins": [
            {
              "type": "flannel",
              "delegate": {
                "hairpinMode": true,
                "isDefaultGateway": true
              }
            },
            {
              "type": "portmap",
              "capabilities": {
                "portMappings": true
              }
            }
          ]
        }

        """

    /// Capabilities each of our plugins honours (CONVENTIONS.md names).
    static let capabilities: [String: Set<String>] = ["portmap": ["portMappings"], "bridge": ["mac", "ips"],
                                                      "host-local": ["ipRanges", "ips"], "flannel": [], "loopback": [],
                                                      "bandwidth": ["bandwidth"]]

    private func conflists() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".conflist") }.sorted()
    }

    func testTheExpectedFilesShip() throws {
        XCTAssertEqual(try conflists(), ["10-flannel-k3s.conflist", "10-flannel-noportmap.conflist", "10-flannel-v1.1.conflist",
                                         "10-flannel.conflist"])
    }

    func testKubeFlannelConflistIsVerbatim() throws {
        let text = try String(contentsOfFile: Self.directory + "/10-flannel.conflist", encoding: .utf8)
        XCTAssertEqual(text, Self.kubeFlannel)
    }

    func testEveryConflistIsValid() throws {
        for file in try conflists() {
            let text = try String(contentsOfFile: "\(Self.directory)/\(file)", encoding: .utf8)
            let list = try XCTUnwrap(try JSONParser.parse(text).objectValue, file)
            let name = try XCTUnwrap(list["name"]?.stringValue, file)
            XCTAssertNoThrow(try Validation.validateNetworkName(name), file)
            let version = try XCTUnwrap(list["cniVersion"]?.stringValue.flatMap(CNIVersion.init), file)
            XCTAssertTrue(CNIVersion.supported.contains(version), file)
            if let versions = list["cniVersions"] {
                let all = try XCTUnwrap(versions.arrayValue, file).compactMap { $0.stringValue.flatMap(CNIVersion.init) }
                XCTAssertEqual(all.count, versions.arrayValue?.count, file)
                XCTAssertTrue(all.allSatisfy(CNIVersion.supported.contains), file)
                XCTAssertTrue(all.contains(version), "\(file): cniVersion is one of cniVersions")
            }
            let plugins = try XCTUnwrap(list["plugins"]?.arrayValue, file)
            XCTAssertEqual(plugins.first?["type"], "flannel", file)
            for plugin in plugins {
                let entry = try XCTUnwrap(plugin.objectValue, file)
                let type = try XCTUnwrap(entry["type"]?.stringValue, file)
                XCTAssertTrue(PluginBinaries.pluginNames.contains(type), "\(file): \(type) is not one of our plugins")
                let caps = try XCTUnwrap(entry["capabilities"]?.objectValue ?? JSONObject(), file)
                for (cap, value) in caps {
                    XCTAssertNotNil(value.boolValue, "\(file): capability \(cap) must be a boolean")
                    XCTAssertTrue(Self.capabilities[type, default: []].contains(cap), "\(file): \(type) does not use \(cap)")
                }
                if type == "portmap" { XCTAssertEqual(caps["portMappings"], true, file) }
                if type == "flannel" {
                    // As libcni passes it: the list's name and version injected.
                    var injected = entry
                    injected["name"] = .string(name)
                    injected["cniVersion"] = .string(version.description)
                    let config = try FlannelConfig(json: injected)
                    XCTAssertNoThrow(try config.validateDelegate(), file)
                    XCTAssertEqual(config.subnetFile, "/run/flannel/subnet.env", file)
                    XCTAssertEqual(config.dataDir, "/var/lib/cni/flannel", file)
                }
            }
        }
    }
}
