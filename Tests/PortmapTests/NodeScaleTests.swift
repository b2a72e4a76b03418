import CNIFirewall
import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// portmap on a node whose nat table already holds a kube-proxy-sized rule set: ADD, CHECK and
/// DEL read only portmap's own chains (iptables) or table (nftables), never dump the table, and
/// traffic (from another netns, via localhost, hairpin from the pod itself) works on both
/// backends. The firewall tools are wrapped by scripts placed first in `PATH`: `iptables-save`
/// fails the plugin and is recorded (this also proves tools are looked up through `PATH`),
/// `iptables`, `ip6tables` and `nft` are recorded and passed on.
final class NodeScaleTests: XCTestCase {
    static let kubeRules = 10_000
    static let mappings: JSONValue = [Portmap.mapping(18080, 8080, "tcp"), Portmap.mapping(15353, 5353, "udp")]

    func testIptablesBackendOnABigNatTable() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let calls = try exercise(backend: "iptables")
        XCTAssertFalse(calls.contains { $0.hasPrefix("iptables-save") || $0.hasPrefix("ip6tables-save") }, calls.joined(separator: "\n"))
        let listings = calls.filter { $0.contains(" -S") }
        XCTAssertFalse(listings.isEmpty, "the wrapped iptables was used: \(calls)")
        let ours = ["PREROUTING", "OUTPUT", "POSTROUTING", "CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ",
                    "CNI-HOSTPORT-SNAT"]
        for call in listings {
            guard let chain = call.split(separator: " ").last.map(String.init) else { continue }
            XCTAssertTrue(ours.contains(chain) || chain.hasPrefix("CNI-DN-"), "listed a chain not portmap's: \(call)")
        }
    }

    func testNftablesBackendOnABigNatTable() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"), "nft not installed")
        let calls = try exercise(backend: "nftables")
        XCTAssertFalse(calls.contains { $0.hasPrefix("iptables-save") || $0.hasPrefix("ip6tables-save") }, calls.joined(separator: "\n"))
        let lists = calls.filter { $0.hasPrefix("nft") && $0.contains(" list ") }
        XCTAssertFalse(lists.isEmpty, "the wrapped nft was used: \(calls)")
        for call in lists {
            XCTAssertTrue(call.hasSuffix("list table ip cni_hostport") || call.hasSuffix("list table ip6 cni_hostport")
                          || call.contains("list tables"), "read more than portmap's table: \(call)")
        }
    }

    /// A listing that fails for another reason than a missing chain (here: exit 4, what iptables
    /// returns when the xtables lock stays taken) fails the ADD; it is never read as "chain
    /// missing", which would re-declare and so flush the shared chain with other pods' rules.
    func testFailedListingIsNotAMissingChain() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        let previous = bed.previousResult(version: "1.0.0")
        let first = Portmap.config(mappings: [Portmap.mapping(18081, 8080, "tcp")], previous: previous)
        let r1 = Portmap.run("ADD", config: first, containerID: "keep-me", netns: bed.pod.path, in: bed.node)
        XCTAssertEqual(r1.status, 0, r1.stdout + r1.stderr)
        let tools = try TemporaryDirectory()
        try Self.write("""
            #!/bin/sh
            for a in "$@"; do [ "$a" = CNI-HOSTPORT-DNAT ] && [ "$1" != "-C" ] && case " $* " in *" -S "*) exit 4;; esac; done
            exec /usr/sbin/iptables "$@"

            """, to: tools.path + "/iptables")
        let second = Portmap.config(mappings: [Portmap.mapping(18082, 8080, "tcp")], previous: previous)
        let add = Portmap.run("ADD", config: second, containerID: "other", netns: bed.pod.path, in: bed.node,
                              extraEnv: ["PATH": tools.path + ":" + Command.pluginSearchPath])
        XCTAssertNotEqual(add.status, 0, "a listing that failed with status 4 must fail the ADD")
        let entries = try bed.node.run(["iptables", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT"])
        XCTAssertTrue(entries.contains("keep-me"), "the other pod's entry rule survives: \(entries)")
    }

    /// bridge with ipMasq on the same kind of node: its masquerade chain comes and goes through
    /// scoped reads only, and the pod's traffic to another netns leaves with the node's address.
    func testBridgeIPMasqOnABigNatTable() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let bed = try PortmapTestbed(withPod: false)
        defer { bed.tearDown() }
        let client = bed.client, node = bed.node
        try node.addVeth("toclient", to: client, hostAddresses: ["192.168.77.1/24"], addresses: ["192.168.77.2/24"])
        try node.run(["iptables-restore", "-w", "10"], stdin: Self.kubeProxyTable(rules: Self.kubeRules))
        let pod = try node.newPod(prefix: "pmpod2", loopbackUp: true)
        let tools = try TemporaryDirectory()
        let record = tools.path + "/calls"
        try Self.writeWrappers(in: tools.path, record: record)
        let env = ["PATH": tools.path + ":" + Command.pluginSearchPath]
        let config = """
        {"cniVersion":"1.0.0","name":"scale","type":"bridge","bridge":"cbr1","isGateway":true,"ipMasq":true,
         "ipam":{"type":"host-local","dataDir":"\(node.ipamDir)","ranges":[[{"subnet":"10.250.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}}
        """
        func bridge(_ command: String) -> (status: Int32, stdout: String, stderr: String) {
            node.runPlugin("bridge", command: command, containerID: "scale-1", netns: pod.path, config: config, extraEnv: env)
        }
        let add = bridge("ADD")
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)
        let chain = ChainName.masquerade(network: "scale", containerID: "scale-1")
        XCTAssertTrue(try node.run(["iptables", "-t", "nat", "-S", "POSTROUTING"]).contains("-j \(chain)"))
        // Traffic to another netns is masqueraded to the node's address there.
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        listener.arguments = ["netns", "exec", client.name, "python3", "-c", """
            import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("192.168.77.2", 18090)); s.listen(1); s.settimeout(8)
            c, a = s.accept(); print(a[0], flush=True)
            """]
        let output = Pipe()
        listener.standardOutput = output
        try listener.run()
        var connected = false
        for _ in 0..<50 where !connected {
            connected = Command.run(["timeout", "5", "ip", "netns", "exec", pod.name, "python3", "-c",
                                     "import socket; socket.create_connection(('192.168.77.2', 18090), 2)"]).status == 0
            if !connected { usleep(100_000) }
        }
        listener.waitUntilExit()
        let peer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(connected, "the pod could not reach the other netns")
        XCTAssertEqual(peer.trimmingCharacters(in: .whitespacesAndNewlines), "192.168.77.1", "masqueraded to the node's address")
        let del = bridge("DEL")
        XCTAssertEqual(del.status, 0, del.stdout + del.stderr)
        XCTAssertFalse(try node.run(["iptables", "-t", "nat", "-S", "POSTROUTING"]).contains(chain))
        XCTAssertEqual(bridge("DEL").status, 0, "DEL again, nothing left: still succeeds")
        let calls = ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        XCTAssertFalse(calls.contains { $0.contains("-save") }, calls.joined(separator: "\n"))
        for call in calls where call.contains(" -S") {
            XCTAssertTrue(call.hasSuffix(" POSTROUTING") || call.hasSuffix(" " + chain), "listed a chain not bridge's: \(call)")
        }
    }

    /// ADD, traffic, CHECK, DEL, traffic gone, DEL again; returns the recorded tool calls.
    private func exercise(backend: String) throws -> [String] {
        let bed = try PortmapTestbed()
        defer { bed.tearDown() }
        try bed.startServers()
        // As the bridge plugin's hairpinMode does: br_netfilter may hand the DNATed frame back
        // to the port it came in on.
        try bed.node.ip(["link", "set", "vethpod", "type", "bridge_slave", "hairpin", "on"])
        try bed.node.run(["iptables-restore", "-w", "10"], stdin: Self.kubeProxyTable(rules: Self.kubeRules))
        let kubeBefore = try bed.node.run(["iptables", "-t", "nat", "-S", "KUBE-SERVICES"])

        let tools = try TemporaryDirectory()
        let record = tools.path + "/calls"
        try Self.writeWrappers(in: tools.path, record: record)
        let env = ["PATH": tools.path + ":" + Command.pluginSearchPath]

        let id = Portmap.randomID()
        let config = Portmap.config(extra: ["backend": .string(backend)], mappings: Self.mappings,
                                    previous: bed.previousResult(version: "1.0.0"))
        let add = Portmap.run("ADD", config: config, containerID: id, netns: bed.pod.path, in: bed.node, extraEnv: env)
        XCTAssertEqual(add.status, 0, add.stdout + add.stderr)

        let tcp4 = bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080)
        XCTAssertTrue(tcp4.output.hasPrefix("pod-tcp from") && tcp4.output.hasSuffix("192.168.77.2"), "from another netns: \(tcp4.output)")
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress6, 18080).output, "pod-tcp from fd00:77::2")
        XCTAssertEqual(bed.probe(bed.client, "udp", PortmapTestbed.nodeAddress4, 15353).output, "echo:ping")
        let local = bed.probe(bed.node, "tcp", "127.0.0.1", 18080)
        XCTAssertTrue(local.output.hasPrefix("pod-tcp from") && local.output.hasSuffix("10.244.1.1"), "localhost, masqueraded: \(local.output)")
        let hairpin = bed.probe(bed.pod, "tcp", PortmapTestbed.nodeAddress4, 18080)
        XCTAssertTrue(hairpin.output.hasPrefix("pod-tcp from") && hairpin.output.hasSuffix("10.244.1.1"),
                      "hairpin: the pod reaches itself through the hostPort, masqueraded: \(hairpin.output)")

        let check = Portmap.run("CHECK", config: config, containerID: id, netns: bed.pod.path, in: bed.node, extraEnv: env)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        let del = Portmap.run("DEL", config: config, containerID: id, netns: bed.pod.path, in: bed.node, extraEnv: env)
        XCTAssertEqual(del.status, 0, del.stdout + del.stderr)
        XCTAssertEqual(bed.probe(bed.client, "tcp", PortmapTestbed.nodeAddress4, 18080).output, "REFUSED")
        XCTAssertEqual(bed.probe(bed.node, "tcp", "127.0.0.1", 18080).output, "REFUSED")
        // A DEL of a container whose rules are gone succeeds.
        let again = Portmap.run("DEL", config: config, containerID: id, netns: "", in: bed.node, extraEnv: env)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)

        XCTAssertEqual(try bed.node.run(["iptables", "-t", "nat", "-S", "KUBE-SERVICES"]), kubeBefore, "kube-proxy's rules untouched")
        let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Wrappers first in PATH: the save tools record and fail, the others record and exec the real tool.
    static func writeWrappers(in dir: String, record: String) throws {
        for tool in ["iptables-save", "ip6tables-save"] {
            try write("#!/bin/sh\necho \"\(tool) $*\" >> '\(record)'\necho 'dumping the nat table is not allowed' >&2\nexit 1\n",
                      to: "\(dir)/\(tool)")
        }
        for tool in ["iptables", "ip6tables", "nft"] {
            try write("#!/bin/sh\necho \"\(tool) $*\" >> '\(record)'\nexec /usr/sbin/\(tool) \"$@\"\n", to: "\(dir)/\(tool)")
        }
    }

    private static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// iptables-restore text for table nat with `rules` rules shaped like kube-proxy's.
    static func kubeProxyTable(rules: Int) -> String {
        let services = rules / 5
        var chains = [":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
                      ":KUBE-SERVICES - [0:0]", ":KUBE-MARK-MASQ - [0:0]"]
        var lines = [#"-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
                     #"-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
                     "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"]
        for s in 0..<services {
            let svc = "KUBE-SVC-" + String(format: "%016X", s), sep = "KUBE-SEP-" + String(format: "%016X", s)
            let vip = "10.96.\(s / 250).\(s % 250 + 1)", pod = "10.245.\(s / 250).\(s % 250 + 2)"
            chains += [":\(svc) - [0:0]", ":\(sep) - [0:0]"]
            lines += ["-A KUBE-SERVICES -d \(vip)/32 -p tcp -m tcp --dport 80 -j \(svc)",
                      "-A \(svc) ! -s 10.244.0.0/16 -d \(vip)/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ",
                      "-A \(svc) -j \(sep)",
                      "-A \(sep) -s \(pod)/32 -j KUBE-MARK-MASQ",
                      "-A \(sep) -p tcp -m tcp -j DNAT --to-destination \(pod):8080"]
        }
        return (["*nat"] + chains + lines + ["COMMIT"]).joined(separator: "\n") + "\n"
    }
}
