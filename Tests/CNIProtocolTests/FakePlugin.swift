import CNIProtocol
import CNIValues

/// A plugin that records nothing and returns a fixed dual-stack result.
struct FakePlugin: CNIPlugin {
    let name = "fake"
    var knownArgs: Set<String> { ["IP"] }
    var failure: (any Error)? = nil

    private static func network(_ s: String) -> IPNetwork {
        guard let network = IPNetwork(s) else { preconditionFailure("bad fixture network \(s)") }
        return network
    }

    static let result = CNIResult(
        interfaces: [.init(name: "cni0", mac: "0a:58:0a:f4:01:01"), .init(name: "eth0", mac: "0a:58:0a:f4:01:02", mtu: 1450, sandbox: "/run/netns/p")],
        ips: [.init(interface: 1, address: network("10.244.1.2/24"), gateway: IPAddress("10.244.1.1")),
              .init(interface: 1, address: network("fd00:1::2/64"), gateway: IPAddress("fd00:1::1")),
              .init(interface: 1, address: network("10.244.1.3/24"))],
        routes: [.init(destination: network("10.244.0.0/16")),
                 .init(destination: network("0.0.0.0/0"), gateway: IPAddress("10.244.1.1"), mtu: 1400),
                 .init(destination: network("::/0"), gateway: IPAddress("fd00:1::1"))],
        dns: .init(nameservers: ["10.96.0.10"], search: ["svc.cluster.local"]))

    func add(_ context: PluginContext) throws -> CNIResult {
        if let failure { throw failure }
        return FakePlugin.result
    }

    func del(_ context: PluginContext) throws { if let failure { throw failure } }
    func check(_ context: PluginContext) throws { if let failure { throw failure } }
}

struct Invocation {
    var env: [String: String] = [
        "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c1", "CNI_NETNS": "/run/netns/p",
        "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin",
    ]
    var stdin = #"{"cniVersion":"1.0.0","name":"cbr0","type":"fake"}"#
    var plugin = FakePlugin()

    func run() -> (code: Int32, out: String, json: JSONValue?) {
        let o = PluginMain.execute(plugin, environment: env) { Array(stdin.utf8) }
        let text = String(decoding: o.stdout, as: UTF8.self)
        return (o.exitCode, text, try? JSONParser.parse(text))
    }

    /// Runs and returns the error code (nil when it succeeded).
    func errorCode() -> Int? {
        let r = run()
        guard r.code != 0 else { return nil }
        return r.json?["code"]?.intValue ?? -1
    }
}
