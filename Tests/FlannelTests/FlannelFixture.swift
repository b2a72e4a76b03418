import CNIProtocol
import CNITestSupport
import CNIValues
import FlannelSubnet
import Foundation
import XCTest

@testable import FlannelPlugin

/// A temp tree for one test: `subnet.env`, flannel's `dataDir`, host-local's `dataDir`, and a
/// `fake` delegate script that records every call (command, ids, stdin) and fails a command on
/// demand (`failNext("DEL")`). Runs flannel in-process through `PluginMain.execute`.
final class FlannelFixture {
    let root: TemporaryDirectory
    var subnetFile: String { root.file("subnet.env") }
    var dataDir: String { root.file("flannel") }
    var ipamDir: String { root.file("ipam") }
    var fakeDir: String { root.file("bin") }

    static let fakeDelegate = """
        #!/bin/sh
        d=$(dirname "$0")
        in=$(cat)
        printf '%s %s %s %s\\n' "$CNI_COMMAND" "${CNI_CONTAINERID:--}" "${CNI_IFNAME:--}" "${CNI_NETNS:--}" >> "$d/calls"
        printf '%s\\n' "$in" >> "$d/stdin-$CNI_COMMAND"
        if [ -e "$d/fail-$CNI_COMMAND" ]; then
            printf '{"code":11,"msg":"fake %s failed","details":"on purpose"}' "$CNI_COMMAND"
            exit 1
        fi
        if [ "$CNI_COMMAND" = ADD ]; then
            printf '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"address":"10.244.1.2/24","gateway":"10.244.1.1","interface":0}]}' "$CNI_NETNS"
        fi
        exit 0

        """

    init(subnetEnv: String? = TestNode.vxlanSubnetEnv) throws {
        root = try TemporaryDirectory(prefix: "flannel")
        try FileManager.default.createDirectory(atPath: fakeDir, withIntermediateDirectories: true)
        try Self.fakeDelegate.write(toFile: fakeDir + "/fake", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakeDir + "/fake")
        if let subnetEnv { try writeSubnetEnv(subnetEnv) }
    }

    func writeSubnetEnv(_ text: String) throws {
        try text.write(toFile: subnetFile, atomically: true, encoding: .utf8)
    }

    /// A flannel config for this tree: `delegate` is the delegate object, `extra` an object whose
    /// keys are appended (runtimeConfig, args, prevResult, ...).
    func config(version: String = "1.0.0", delegate: JSONValue = ["type": "fake"], extra: JSONValue = [:]) -> String {
        var config = JSONObject([
            ("cniVersion", .string(version)), ("name", "cbr0"), ("type", "flannel"), ("subnetFile", .string(subnetFile)),
            ("dataDir", .string(dataDir)), ("delegate", delegate), ("ipam", ["dataDir": .string(ipamDir)]),
        ])
        for (key, value) in extra.objectValue ?? JSONObject() { config[key] = value }
        return JSONSerializer.string(.object(config))
    }

    /// Runs FlannelPlugin in-process with CNI_PATH = the fake's directory.
    func run(_ command: String, containerID: String? = "c1", config: String, netns: String = "/run/netns/fakepod")
        -> (status: Int32, stdout: String, stderr: String, json: JSONObject?)
    {
        var env = ["CNI_COMMAND": command, "CNI_PATH": fakeDir]
        if let containerID, command == "ADD" || command == "DEL" || command == "CHECK" {
            env["CNI_CONTAINERID"] = containerID
            env["CNI_IFNAME"] = "eth0"
            env["CNI_NETNS"] = netns
        }
        let outcome = PluginMain.execute(FlannelPlugin(), environment: env) { Array(config.utf8) }
        let out = String(decoding: outcome.stdout, as: UTF8.self)
        return (outcome.exitCode, out, String(decoding: outcome.stderr, as: UTF8.self),
                (try? JSONParser.parse(out))?.objectValue)
    }

    func failNext(_ command: String) { XCTAssertTrue(FileManager.default.createFile(atPath: "\(fakeDir)/fail-\(command)", contents: Data())) }
    func stopFailing(_ command: String) { try? FileManager.default.removeItem(atPath: "\(fakeDir)/fail-\(command)") }

    /// `COMMAND CONTAINERID IFNAME NETNS` per fake call ("-" for unset).
    var calls: [String] { lines("calls") }
    /// The configs the fake received for `command`, one per call.
    func stdin(_ command: String) -> [String] { lines("stdin-\(command)") }

    func savedPath(_ containerID: String) -> String { "\(dataDir)/\(containerID)" }
    func saved(_ containerID: String) -> String? { try? String(contentsOfFile: savedPath(containerID), encoding: .utf8) }

    private func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOfFile: "\(fakeDir)/\(name)", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }
}
