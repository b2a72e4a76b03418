import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// The real binary with containerd's capability args (Go field names) and a DEL whose mappings
/// no longer decode: the hostPort works, and DEL still removes every rule of the container.
final class ContainerdPortmapTests: XCTestCase {
    static let goMappings: JSONValue = [["HostPort": 18080, "ContainerPort": 8080, "Protocol": "tcp", "HostIP": ""]]

    func testContainerdMappingsForwardAndGarbageDeleteCleansUp() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        try bed.startServers()
        let id = Portmap.randomID("ctrd")
        let previous = bed.previousResult(version: "0.3.1")
        let add = Portmap.run("ADD", config: Portmap.config(version: "0.3.1", mappings: Self.goMappings, previous: previous),
                              containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        let tcp = bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080)
        XCTAssertEqual(tcp.status, 0, tcp.output)
        XCTAssertTrue(try bed.node.run(["iptables-save", "-t", "nat"]).contains(id))

        // A DEL whose mapping no longer decodes (port 0, a string entry) still removes the rules.
        let garbage: JSONValue = [["HostPort": 18080, "ContainerPort": 0], "garbage"]
        let del = Portmap.run("DEL", config: Portmap.config(version: "0.3.1", extra: ["markMasqBit": 77],
                                                            mappings: garbage, previous: previous),
                              containerID: id, netns: "", in: bed.node)
        XCTAssertEqual(del.status, 0, del.stdout + del.stderr)
        XCTAssertEqual(del.stdout, "")
        XCTAssertTrue(del.stderr.contains("Invalid container port number: 0"), del.stderr)
        let after = try bed.node.run(["iptables-save", "-t", "nat"])
        XCTAssertFalse(after.contains(id), after)
        XCTAssertFalse(after.contains("CNI-DN-"), after)
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080).output, "REFUSED")

        // A wrongly typed runtimeConfig does not fail a DEL either.
        let typeless = #"{"cniVersion":"0.3.1","name":"pmtest","type":"portmap","runtimeConfig":"x"}"#
        let del2 = Portmap.run("DEL", config: typeless, containerID: id, netns: "", in: bed.node)
        XCTAssertEqual(del2.status, 0, del2.stdout + del2.stderr)
        // ADD keeps refusing what it cannot install.
        let bad = Portmap.run("ADD", config: Portmap.config(version: "0.3.1", mappings: garbage, previous: previous),
                              containerID: id, netns: bed.pod.path, in: bed.node)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stdout.contains("Invalid container port number: 0"), bad.stdout)
    }
}
