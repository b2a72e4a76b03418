import CNITestSupport
import CNIValues
import Foundation
import XCTest

/// A `TestNode` (its plugins share the node's own `/run/lock`, not the machine's) with bridge
/// `cni0` (10.244.1.1/24, fd00:10::1/64) and forwarding on, a pod netns on it (10.244.1.3,
/// fd00:10::3, default routes via the bridge) running a TCP server on 8080 and a UDP echo on 5353,
/// and a client netns behind its own veth (192.168.77.2 / fd00:77::2, the node side being
/// 192.168.77.1 / fd00:77::1). Everything is deleted on `tearDown()`.
final class PortmapTestbed {
    let node: TestNode
    let pod: TestNamespace
    let client: TestNamespace
    private var server: Process?

    static let nodeAddress4 = "192.168.77.1"
    static let nodeAddress6 = "fd00:77::1"

    init(withPod: Bool = true) throws {
        node = try TestNode(prefix: "pm")
        pod = try node.newPod(loopbackUp: true)
        client = try node.newPod(prefix: "pmcli", loopbackUp: true)
        try node.addBridge(addresses: ["10.244.1.1/24", "fd00:10::1/64"])
        try node.enableForwarding()
        guard withPod else { return }

        try node.addVeth("vethpod", to: pod, master: "cni0", addresses: ["10.244.1.3/24", "fd00:10::3/64"],
                         gateways: ["10.244.1.1", "fd00:10::1"])
        try node.addVeth("toclient", to: client, hostAddresses: ["\(Self.nodeAddress4)/24", "\(Self.nodeAddress6)/64"],
                         addresses: ["192.168.77.2/24", "fd00:77::2/64"], gateways: [Self.nodeAddress4, Self.nodeAddress6])
    }

    /// Starts the pod's servers and waits until the TCP one answers inside the pod.
    func startServers() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", pod.name, "python3", "-c", Self.serverScript]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        server = p
        for _ in 0..<100 {
            if probe(pod, "tcp", "127.0.0.1", 8080).status == 0 { return }
            usleep(100_000)
        }
        throw TestbedError(description: "the pod's test server did not come up")
    }

    /// Connects (TCP: reads the greeting; UDP: sends `ping`, reads the echo) from inside `ns`,
    /// with a 3 s socket timeout. Status 0 = answered, 2 = refused, 1 = other failure.
    func probe(_ ns: TestNamespace, _ proto: String, _ host: String, _ port: Int) -> (status: Int32, output: String) {
        let r = Command.run(["timeout", "10", "ip", "netns", "exec", ns.name, "python3", "-c", Self.probeScript,
                             proto, host, String(port)])
        return (r.status, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func tearDown() {
        if let server, server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        node.delete()
    }

    /// prevResult as the bridge plugin reports it (bridge, host veth, pod eth0 with both IPs);
    /// `sandbox` is the pod's netns path (default: this testbed's pod).
    func previousResult(version: String, sandbox: String? = nil) -> JSONValue {
        func ip(_ family: String, _ address: String, _ gateway: String) -> JSONValue {
            var o = JSONObject()
            if version.hasPrefix("0.") { o["version"] = .string(family) }  // 0.3.x/0.4.0 results carry "version" per IP
            o["interface"] = 2
            o["address"] = .string(address)
            o["gateway"] = .string(gateway)
            return .object(o)
        }
        return [
            "cniVersion": .string(version),
            "interfaces": [
                ["name": "cni0", "mac": "aa:bb:cc:dd:ee:01"], ["name": "vethpod", "mac": "aa:bb:cc:dd:ee:02"],
                ["name": "eth0", "mac": "aa:bb:cc:dd:ee:03", "sandbox": .string(sandbox ?? pod.path)],
            ],
            "ips": [ip("4", "10.244.1.3/24", "10.244.1.1"), ip("6", "fd00:10::3/64", "fd00:10::1")],
        ]
    }

    static let serverScript = """
    import socket, threading
    def udp():
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        u.bind(("::", 5353))
        while True:
            d, a = u.recvfrom(2048)
            u.sendto(b"echo:" + d, a)
    threading.Thread(target=udp, daemon=True).start()
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", 8080))
    s.listen(64)
    while True:
        c, a = s.accept()
        c.sendall(("pod-tcp from " + a[0] + "\\n").encode())
        c.close()
    """

    static let probeScript = """
    import socket, sys
    proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        if proto == "tcp":
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect((host, port))
            print(s.recv(200).decode().strip())
        else:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.sendto(b"ping", (host, port))
            print(s.recvfrom(200)[0].decode())
    except ConnectionRefusedError:
        print("REFUSED")
        sys.exit(2)
    except Exception as e:
        print("ERR", type(e).__name__, e)
        sys.exit(1)
    """
}

struct TestbedError: Error, CustomStringConvertible {
    let description: String
}

/// Runs our portmap binary (or the reference's) the way a runtime does, inside the testbed's node.
enum Portmap {
    static func run(_ command: String, config: String, containerID: String?, netns: String?, in node: TestNode,
                    binary: String? = nil, ifname: String? = "eth0", extraEnv: [String: String] = [:])
        -> (status: Int32, stdout: String, stderr: String)
    {
        let cniPath = binary == nil ? PluginBinaries.makePluginDir() : PluginBinaries.referencePluginDir
        return node.runPlugin(binary ?? "portmap", command: command, containerID: containerID, netns: netns, ifname: ifname,
                              config: config, extraEnv: ["CNI_PATH": cniPath].merging(extraEnv) { $1 })
    }

    /// A portmap network config as a runtime sends it: `extra` keys after `type`, then the
    /// capability, the runtime's mappings and the previous result.
    static func config(version: String = "1.0.0", name: String = "pmtest", extra: JSONValue = [:],
                       mappings: JSONValue, previous: JSONValue) -> String {
        var config = JSONObject([("cniVersion", .string(version)), ("name", .string(name)), ("type", "portmap")])
        for (key, value) in extra.objectValue ?? JSONObject() { config[key] = value }
        config["capabilities"] = ["portMappings": true]
        config["runtimeConfig"] = ["portMappings": mappings]
        config["prevResult"] = previous
        return JSONSerializer.string(.object(config))
    }

    /// A `runtimeConfig.portMappings` entry (protocol and hostIP only when given).
    static func mapping(_ hostPort: Int, _ containerPort: Int, _ proto: String? = nil, hostIP: String? = nil) -> JSONValue {
        var o = JSONObject([("hostPort", .int(hostPort)), ("containerPort", .int(containerPort))])
        if let proto { o["protocol"] = .string(proto) }
        if let hostIP { o["hostIP"] = .string(hostIP) }
        return .object(o)
    }

    /// A minimal prevResult with one pod address.
    static func previous(version: String = "1.0.0", address: String) -> JSONValue {
        ["cniVersion": .string(version), "ips": [["address": .string(address)]]]
    }

    static func randomID(_ prefix: String = "pm") -> String {
        prefix + "-" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }
}
