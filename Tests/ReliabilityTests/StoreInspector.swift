import CNITestSupport
import Foundation
import XCTest

/// Looks at what a (possibly killed) flannel chain left on a `TestNode`: the host-local
/// store of network `cbr0`, flannel's saved delegate configs, links and nat rules.
struct StoreInspector {
    let node: TestNode
    var storeDir: String { node.ipamDir + "/cbr0" }

    /// The reservation files and their contents.
    func reservations() -> [String: String] {
        var out: [String: String] = [:]
        for name in node.reservations() {
            out[name] = (try? String(contentsOfFile: storeDir + "/" + name, encoding: .utf8)) ?? "<unreadable>"
        }
        return out
    }

    /// Temp files of interrupted atomic writes (`.<name>.tmp-<pid>-<hex>`) in both stores.
    func temporaryFiles() -> [String] {
        (TestNode.files(in: storeDir).map { "ipam/" + $0 } + TestNode.files(in: node.flannelDir).map { "flannel/" + $0 })
            .filter { $0.split(separator: "/").last?.hasPrefix(".") == true }
    }

    /// Which traces of `id` a killed ADD left, before any DEL.
    func leftovers(of id: String, pod: TestNamespace) throws -> [String: Bool] {
        let nat = try node.natTable()
        return [
            "left a saved config": FileManager.default.fileExists(atPath: node.flannelDir + "/" + id),
            "left a reservation": reservations().values.contains { $0.hasPrefix(id + "\r\n") },
            "left pod eth0": TestNode.linkNames(try pod.ip(["-o", "link", "show"])).contains("eth0"),
            "left a host veth": try node.nodeLinks().contains { $0 != "lo" && $0 != "cni0" },
            "left masquerade rules": !TestNode.natLines(nat, containerID: id).isEmpty,
        ]
    }

    /// Every state file the plugins read is complete: reservations hold `<id>\r\n<ifname>`,
    /// `last_reserved_ip.N` an address, saved delegate configs a whole bridge config. (Temp files
    /// of interrupted writes are not state: nothing reads them.)
    func assertStateFilesComplete(_ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for name in TestNode.files(in: storeDir) where !name.hasPrefix(".") && name != "lock" && name != "boot_id" {
            let text = (try? String(contentsOfFile: storeDir + "/" + name, encoding: .utf8)) ?? ""
            if name.hasPrefix("last_reserved_ip.") {
                XCTAssertTrue(text.range(of: #"^10\.244\.1\.\d{1,3}$"#, options: .regularExpression) != nil,
                              "ipam/\(name) = \(text.debugDescription), \(context)", file: file, line: line)
            } else {
                XCTAssertTrue(text.range(of: #"^relk[a-z]-[a-z0-9-]+\r\neth0$"#, options: .regularExpression) != nil,
                              "ipam/\(name) = \(text.debugDescription), \(context)", file: file, line: line)
            }
        }
        for name in TestNode.files(in: node.flannelDir) where !name.hasPrefix(".") {
            guard name != ".boot_id" && name != ".lock" else { continue }
            let data = FileManager.default.contents(atPath: node.flannelDir + "/" + name) ?? Data()
            let saved = try? JSONDecoder().decode(SavedDelegateConfig.self, from: data)
            XCTAssertTrue(saved?.type == "bridge" && saved?.name == "cbr0",
                          "flannel/\(name) = \(String(decoding: data, as: UTF8.self).debugDescription), \(context)", file: file, line: line)
        }
    }

    /// Nothing of `id` is left: no reservation, saved config, veth, pod interface, nat rule or chain.
    func assertClean(of id: String, pod: TestNamespace, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let held = reservations().filter { $0.value.hasPrefix(id + "\r\n") }
        XCTAssertEqual(held, [:], "reservations of \(id) left, \(context)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: node.flannelDir + "/" + id), "saved config of \(id) left, \(context)",
                       file: file, line: line)
        XCTAssertEqual(try node.nodeLinks().filter { $0 != "lo" && $0 != "cni0" }, [], "host links left, \(context)", file: file, line: line)
        XCTAssertEqual(TestNode.linkNames(try pod.ip(["-o", "link", "show"])), ["lo"], "pod links left, \(context)",
                       file: file, line: line)
        let nat = try node.natTable()
        XCTAssertEqual(TestNode.natLines(nat, containerID: id), [], "nat rules of \(id) left, \(context)", file: file, line: line)
        XCTAssertEqual(TestNode.perContainerChains(nat), [], "per-container chains left, \(context)", file: file, line: line)
    }

    /// Every file in flannel's dataDir and in the host-local network dir, hidden ones included, that
    /// belongs to no container of `live`: anything but a saved config or a reservation of a live
    /// container, or the stores' own files (flannel's `.boot_id` and `.lock`; host-local's `lock`,
    /// `boot_id` and `last_reserved_ip.N`). Temp names, empty or torn files all count.
    func strayFiles(live: Set<String> = []) -> [String] {
        var out: [String] = []
        for name in TestNode.files(in: node.flannelDir) where name != ".boot_id" && name != ".lock" && !live.contains(name) {
            out.append("flannel/" + name)
        }
        for name in TestNode.files(in: storeDir) {
            if name == "lock" || name == "boot_id" { continue }
            let text = (try? String(contentsOfFile: storeDir + "/" + name, encoding: .utf8)) ?? ""
            if name.hasPrefix("last_reserved_ip."), !text.isEmpty { continue }
            let owner = text.components(separatedBy: "\r\n")
            if owner.count == 2, live.contains(owner[0]), owner[1] == "eth0", !name.hasPrefix(".") { continue }
            out.append("ipam/" + name)
        }
        return out
    }
}

/// The fields of a delegate config flannel saved that the inspector checks; `ipam` must be an object.
private struct SavedDelegateConfig: Decodable {
    struct ObjectShape: Decodable {
        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: Key.self) }
    }

    let type: String
    let name: String
    let ipam: ObjectShape
}
