import CNITestSupport
import Foundation
import XCTest

/// One node netns with one pod behind a veth (`veth1` in the node, `eth0` in the pod,
/// 10.99.0.1/24 ↔ 10.99.0.2/24), and the bandwidth plugin run there as a runtime runs it, with
/// the previous result a veth-creating plugin would have printed.
final class BandwidthTestbed {
    let node: TestNode
    let pod: TestNamespace
    let hostVeth = "veth1"
    static let network = "cbr0"

    init(plugins: TestNode.Plugins = .ours, mtu: Int = 1450) throws {
        node = try TestNode(prefix: "bw", plugins: plugins)
        do {
            pod = try node.newPod()
            try node.addVeth(hostVeth, to: pod, hostAddresses: ["10.99.0.1/24"], addresses: ["10.99.0.2/24"])
            try node.ip(["link", "set", hostVeth, "mtu", String(mtu)])
            try pod.ip(["link", "set", "eth0", "mtu", String(mtu)])
        } catch {
            node.delete()
            throw error
        }
    }

    func delete() { node.delete() }

    /// The plugin's config: `limits` as top-level keys (a JSON fragment such as
    /// `"ingressRate":8000000,"ingressBurst":800000`) or a whole `runtimeConfig`.
    func config(_ fragment: String, version: String = "1.0.0", prevResult: Bool = true) -> String {
        let previous = #""prevResult":{"cniVersion":"\#(version)","interfaces":[{"name":"\#(hostVeth)"},{"name":"eth0","sandbox":"\#(pod.path)"}],"ips":[{"address":"10.99.0.2/24","interface":1}]}"#
        var body = [#""cniVersion":"\#(version)""#, #""name":"\#(Self.network)""#, #""type":"bandwidth""#]
        if !fragment.isEmpty { body.append(fragment) }
        if prevResult { body.append(previous) }
        return "{" + body.joined(separator: ",") + "}"
    }

    /// Runs the plugin (ours, or the reference binary with `reference: true`).
    @discardableResult
    func run(_ command: String, _ config: String, containerID: String = "c1", netns: String? = nil,
             reference: Bool = false) -> (status: Int32, stdout: String, stderr: String) {
        node.runPlugin(reference ? "/usr/lib/cni/bandwidth" : "bandwidth", command: command, containerID: containerID,
                       netns: netns ?? pod.path, config: config)
    }

    func ifbName(containerID: String = "c1") -> String {
        // Pinned in BandwidthConfigTests (sha512 of network + container ID).
        containerID == "c1" ? "bwp68f1f1eeb62c" : ""
    }

    /// `tc -j` inside the node, decoded as a list of `T` (the fields a test checks).
    func tc<T: Decodable>(_ arguments: [String], as type: T.Type) throws -> [T] {
        let text = try node.run(["tc", "-j"] + arguments)
        return try JSONDecoder().decode([T].self, from: Data((text.isEmpty ? "[]" : text).utf8))
    }

    /// `tc` inside the node, its JSON output as a whole document: `tcState` compares everything
    /// the kernel reports, keys no test names included, so it stays untyped.
    private func tcJSON(_ arguments: [String]) throws -> Any {
        let text = try node.run(["tc", "-j"] + arguments)
        return try JSONSerialization.jsonObject(with: Data((text.isEmpty ? "[]" : text).utf8))
    }

    /// The node's tc state, normalised for a side-by-side comparison: every qdisc (with -d), the
    /// host veth's ingress filters (only the first action of each: the reference adds a second
    /// mirred action that never runs; action indexes are the kernel's counter), the ifb's link
    /// details without its MAC and index.
    func tcState() throws -> String {
        let qdiscs = try tcJSON(["-d", "qdisc", "show"])
        var filters = try tcJSON(["filter", "show", "dev", hostVeth, "ingress"]) as? [[String: Any]] ?? []
        for i in filters.indices {
            guard var options = filters[i]["options"] as? [String: Any], let actions = options["actions"] as? [[String: Any]] else { continue }
            // The first action only; its index is a per-namespace counter of the kernel.
            options["actions"] = actions.prefix(1).map { action in action.filter { $0.key != "index" } }
            filters[i]["options"] = options
        }
        var ifb: [[String: Any]] = []
        if (try? node.ip(["link", "show", ifbName()])) != nil {
            ifb = try JSONSerialization.jsonObject(with: Data(try node.ip(["-j", "-d", "link", "show", ifbName()]).utf8)) as? [[String: Any]] ?? []
            for i in ifb.indices {  // the MAC is random; a re-created ifb gets a new index
                ifb[i]["address"] = nil
                ifb[i]["ifindex"] = nil
            }
        }
        let all: [String: Any] = ["qdiscs": qdiscs, "filters": filters, "ifb": ifb]
        return String(decoding: try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Sends TCP from the client side to a server on the other for up to `bytes` bytes (or 20 s),
    /// and returns the rate the server received at in bit/s. `intoPod`: the server is in the pod.
    func measureRate(intoPod: Bool, bytes: Int) throws -> Double {
        let server = intoPod ? pod.path : node.path
        let client = intoPod ? node.path : pod.path
        let address = intoPod ? "10.99.0.2" : "10.99.0.1"
        let out = try Command.check(["python3", "-c", Self.rateScript, server, client, address, String(bytes)])
        let rate = Double(out.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNotNil(rate, "rate script printed \(out)")
        return rate ?? 0
    }

    /// One process, two namespaces: the listening socket is made in the server's netns (setns on
    /// the main thread), the client's in the other; the server thread counts what arrives.
    static let rateScript = #"""
        import ctypes, os, socket, sys, threading, time
        libc = ctypes.CDLL(None, use_errno=True)
        def enter(path):
            fd = os.open(path, os.O_RDONLY)
            if libc.setns(fd, 0x40000000) != 0: raise OSError(ctypes.get_errno(), "setns " + path)
            os.close(fd)
        server, client, address, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        enter(server)
        listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, 5201)); listener.listen(1); listener.settimeout(30)
        enter(client)
        result = {}
        def serve():
            s, _ = listener.accept(); s.settimeout(30)
            got, first, last = 0, None, None
            while True:
                b = s.recv(262144)
                if not b: break
                now = time.monotonic()
                if first is None: first = now
                got += len(b); last = now
            result["rate"] = got * 8 / max(last - first, 1e-6)
        t = threading.Thread(target=serve); t.start()
        c = socket.create_connection((address, 5201), timeout=30)
        chunk = b"x" * 65536; sent = 0; deadline = time.monotonic() + 20
        while sent < total and time.monotonic() < deadline:
            c.sendall(chunk); sent += len(chunk)
        c.close(); t.join(40)
        print(result["rate"])
        """#
}

/// One entry of `tc -j filter show`: the fields the tests check (the first entry of each
/// preference has no `options`).
struct TCFilter: Decodable {
    struct Options: Decodable {
        struct Action: Decodable {
            let order: Int?
            let kind: String?
        }

        let actions: [Action]?
    }

    let `protocol`: String?
    let pref: Int?
    let options: Options?
}

/// One entry of `tc -j qdisc show`.
struct TCQdisc: Decodable {
    let kind: String
    let handle: String?
    let root: Bool?
}
