import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// Failure injection and best-effort DEL: a failed ADD undoes itself, DEL is repeatable and
/// cleans up masquerade rules even when the pod's netns is gone.
final class BridgeFailureTests: BridgeNodeTestCase {
    private let masq: JSONValue = ["isDefaultGateway": true, "ipMasq": true]

    func testFailingIPAMLeavesNoVethAndGetsItsDEL() throws {
        let node = try XCTUnwrap(node)
        let log = node.extraPluginDir + "/failipam.log"
        try node.installPlugin("failipam", script: """
            echo "$CNI_COMMAND" >> \(log)
            [ "$CNI_COMMAND" = DEL ] && exit 0
            printf '{"code": 11, "msg": "no addresses today", "details": "injected"}'
            exit 1
            """)
        let pod = try node.newPod()
        let r = node.run("ADD", id: "f1", netns: pod.path, config: node.config(extra: masq, ipamType: "failipam"))
        XCTAssertEqual(r.status, 1)
        let error = try PluginRun.decode(PluginErrorOutput.self, from: r.stdout)
        XCTAssertEqual(error.code, 11, "the IPAM plugin's error is passed through")
        XCTAssertEqual(error.msg, "no addresses today")
        XCTAssertEqual(try node.veths(), [], "no veth left in the node")
        XCTAssertFalse(try pod.ip(["link", "show"]).contains("eth0"), "no interface left in the pod")
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "ADD\nDEL\n", "the failed delegate got its DEL")
        XCTAssertEqual(try node.cniNatRules(), [])
    }

    func testFailureAfterIPAMRollsBackVethReservationAndRules() throws {
        let node = try XCTUnwrap(node)
        // A bridge with another address in the pod subnet: the gateway address conflicts (the users'
        // "cni0 already has an IP address different from" problem), which is detected after IPAM
        // ran. (An address of another subnet on a bridge without pods is an earlier flannel lease:
        // replaced, see LeaseChange.)
        try node.ip(["link", "add", "cni0", "type", "bridge"])
        try node.ip(["addr", "add", "10.99.0.9/24", "dev", "cni0"])
        let pod = try node.newPod()
        let config = node.config(extra: masq)
        let r = node.run("ADD", id: "r1", netns: pod.path, config: config)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains(#"failed to set bridge addr: \"cni0\" already has an IP address different from 10.99.0.1/24"#), r.stdout)
        XCTAssertEqual(try node.veths(), [])
        XCTAssertEqual(node.reservations(), [], "the IP was released")
        XCTAssertEqual(try node.cniNatRules(), [])
        XCTAssertFalse(try pod.ip(["link", "show"]).contains("eth0"))

        // forceAddress replaces the stale address.
        _ = try node.add(id: "r2", pod: pod, config: node.config(extra: ["isDefaultGateway": true, "ipMasq": true, "forceAddress": true]))
        let bridge = try node.ip(["addr", "show", "cni0"])
        XCTAssertTrue(bridge.contains("inet 10.99.0.1/24"), bridge)
        XCTAssertFalse(bridge.contains("10.99.0.9"), bridge)
    }

    /// A bridge left with the gateway of another subnet (flannel's lease changed): replaced when no
    /// port is attached; with a port attached, a clear error naming both subnets and the fix.
    func testGatewayOfAnEarlierSubnetIsReplacedOnlyWithoutPorts() throws {
        let node = try XCTUnwrap(node)
        try node.ip(["link", "add", "cni0", "type", "bridge"])
        try node.ip(["addr", "add", "10.98.0.1/24", "dev", "cni0"])
        try node.ip(["link", "add", "oldpod0", "type", "veth", "peer", "name", "oldpod0p"])
        try node.ip(["link", "set", "oldpod0", "master", "cni0"])
        let pod = try node.newPod()
        let blocked = node.run("ADD", id: "l1", netns: pod.path, config: node.config(extra: masq))
        XCTAssertEqual(blocked.status, 1)
        XCTAssertTrue(blocked.stdout.contains("earlier subnet 10.98.0.0/24, but the subnet is now 10.99.0.0/24"), blocked.stdout)
        XCTAssertTrue(blocked.stdout.contains("(oldpod0): delete those pods, then run `cni-inspect --fix`"), blocked.stdout)
        XCTAssertEqual(try node.veths().sorted(), ["oldpod0", "oldpod0p"], "only the old pod's pair")
        XCTAssertEqual(node.reservations(), [])

        try node.ip(["link", "del", "oldpod0"])
        let r = node.run("ADD", id: "l2", netns: pod.path, config: node.config(extra: masq))
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stderr.contains("replaced it with 10.99.0.1/24"), r.stderr)
        let bridge = try node.ip(["-4", "addr", "show", "cni0"])
        XCTAssertTrue(bridge.contains("inet 10.99.0.1/24") && !bridge.contains("10.98.0.1"), bridge)
        XCTAssertFalse(try node.ip(["route"]).contains("10.98.0.0/24"))
        XCTAssertEqual(node.run("DEL", id: "l2", netns: pod.path, config: node.config(extra: masq)).status, 0)
    }

    func testALinkThatIsNotABridgeIsAClearError() throws {
        let node = try XCTUnwrap(node)
        try node.ip(["link", "add", "cni0", "type", "veth", "peer", "name", "cni0p"])
        let pod = try node.newPod()
        let r = node.run("ADD", id: "d1", netns: pod.path, config: node.config())
        XCTAssertTrue(r.stdout.contains(#"\"cni0\" already exists but is not a bridge"#), r.stdout)
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(try node.veths().sorted(), ["cni0", "cni0p"], "no pod veth was created")
    }

    func testBadNetnsPathIsAnErrorAndTouchesNothing() throws {
        let node = try XCTUnwrap(node)
        let r = node.run("ADD", id: "b1", netns: "/run/netns/does-not-exist-\(UInt32.random(in: 0...UInt32.max))",
                         config: node.config(extra: masq))
        XCTAssertEqual(r.status, 1)
        let error = try PluginRun.decode(PluginErrorOutput.self, from: r.stdout)
        XCTAssertTrue(error.msg.hasPrefix("failed to open netns \"/run/netns/does-not-exist"), r.stdout)
        XCTAssertTrue(error.msg.contains("no such file or directory"), r.stdout)
        XCTAssertFalse(try node.ip(["link", "show"]).contains("cni0"), "validated before the bridge is created")
        XCTAssertEqual(node.reservations(), [])

        let notNetns = node.root.file("plain-file")
        try "x".write(toFile: notNetns, atomically: true, encoding: .utf8)
        let r2 = node.run("ADD", id: "b2", netns: notNetns, config: node.config())
        XCTAssertTrue(r2.stdout.contains("unknown FS magic"), r2.stdout)
    }

    func testDeleteTwiceAndWithEmptyNetns() throws {
        let node = try XCTUnwrap(node)
        let pod = try node.newPod()
        let config = node.config(extra: masq)
        _ = try node.add(id: "d1", pod: pod, config: config)
        for _ in 0..<2 {
            let del = node.run("DEL", id: "d1", netns: pod.path, config: config)
            XCTAssertEqual(del.status, 0, del.stdout)
        }
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(try node.cniNatRules(), [])

        let pod2 = try node.newPod()
        _ = try node.add(id: "d2", pod: pod2, config: config)
        let del = node.run("DEL", id: "d2", netns: nil, config: config)
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(node.reservations(), [], "empty CNI_NETNS: IPAM DEL still runs")
        XCTAssertEqual(try node.cniNatRules(), [], "empty CNI_NETNS: masquerade rules still removed (reference leaks them)")
    }

    func testDeleteAfterThePodNetnsIsGoneStillRemovesRules() throws {
        let node = try XCTUnwrap(node)
        let pod = try node.newPod()
        let config = node.config(extra: masq)
        let r = try node.add(id: "g1", pod: pod, config: config)
        XCTAssertFalse(try node.cniNatRules().isEmpty)
        let path = pod.path
        pod.delete()  // the kernel removes the veth pair asynchronously
        let del = node.run("DEL", id: "g1", netns: path, config: node.config(config, prevResult: r))
        XCTAssertEqual(del.status, 0, del.stdout)
        XCTAssertEqual(node.reservations(), [])
        XCTAssertEqual(try node.cniNatRules(), [])
        XCTAssertFalse(try node.natRules().contains(":CNI-"))
        // Without prevResult too (both families are scanned).
        XCTAssertEqual(node.run("DEL", id: "g1", netns: path, config: config).status, 0)
    }
}
