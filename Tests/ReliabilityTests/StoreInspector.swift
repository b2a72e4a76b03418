import CNITestSupport
import Foundation
import XCTest

/// Looks at what a (possibly killed) flannel chain left on a `ReliabilityNode`: the host-local
/// store of network `cbr0`, flannel's saved delegate configs, links and nat rules.
struct StoreInspector {
    let node: ReliabilityNode
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
        (ReliabilityNode.files(in: storeDir).map { "ipam/" + $0 } + ReliabilityNode.files(in: node.flannelDir).map { "flannel/" + $0 })
            .filter { $0.split(separator: "/").last?.hasPrefix(".") == true }
    }

    /// Which traces of `id` a killed ADD left, before any DEL.
    func leftovers(of id: String, pod: TestNamespace) throws -> [String: Bool] {
        let nat = try node.natTable()
        return [
            "left a saved config": FileManager.default.fileExists(atPath: node.flannelDir + "/" + id),
            "left a reservation": reservations().values.contains { $0.hasPrefix(id + "\r\n") },
            "left pod eth0": ReliabilityNode.linkNames(try pod.ip(["-o", "link", "show"])).contains("eth0"),
            "left a host veth": try node.nodeLinks().contains { $0 != "lo" && $0 != "cni0" },
            "left masquerade rules": !ReliabilityNode.natLines(nat, containerID: id).isEmpty,
        ]
    }

    /// Every state file the plugins read is complete: reservations hold `<id>\r\n<ifname>`,
    /// `last_reserved_ip.N` an address, saved delegate configs a whole bridge config. (Temp files
    /// of interrupted writes are not state: nothing reads them.)
    func assertStateFilesComplete(_ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for name in ReliabilityNode.files(in: storeDir) where !name.hasPrefix(".") && name != "lock" {
            let text = (try? String(contentsOfFile: storeDir + "/" + name, encoding: .utf8)) ?? ""
            if name.hasPrefix("last_reserved_ip.") {
                XCTAssertTrue(text.range(of: #"^10\.244\.1\.\d{1,3}$"#, options: .regularExpression) != nil,
                              "ipam/\(name) = \(text.debugDescription), \(context)", file: file, line: line)
            } else {
                XCTAssertTrue(text.range(of: #"^relk[sp]-[a-z0-9-]+\r\neth0$"#, options: .regularExpression) != nil,
                              "ipam/\(name) = \(text.debugDescription), \(context)", file: file, line: line)
            }
        }
        for name in ReliabilityNode.files(in: node.flannelDir) where !name.hasPrefix(".") {
            let data = FileManager.default.contents(atPath: node.flannelDir + "/" + name) ?? Data()
            let saved = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            XCTAssertTrue(saved?["type"] as? String == "bridge" && saved?["name"] as? String == "cbr0" && saved?["ipam"] is [String: Any],
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
        XCTAssertEqual(ReliabilityNode.linkNames(try pod.ip(["-o", "link", "show"])), ["lo"], "pod links left, \(context)",
                       file: file, line: line)
        let nat = try node.natTable()
        XCTAssertEqual(ReliabilityNode.natLines(nat, containerID: id), [], "nat rules of \(id) left, \(context)", file: file, line: line)
        XCTAssertEqual(ReliabilityNode.perContainerChains(nat), [], "per-container chains left, \(context)", file: file, line: line)
    }
}
