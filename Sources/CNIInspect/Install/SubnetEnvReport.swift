import CNIValues
import FlannelSubnet

/// flanneld's `subnet.env` as the inspector shows it: the raw `KEY=VALUE` lines (for display,
/// even when the file is broken) and the result of flannel's own parser (`SubnetEnv.parse`, the
/// one the plugin uses), whose error becomes a note instead of a failure.
struct SubnetEnvReport: Sendable, Equatable {
    var path: String
    /// Every `KEY=VALUE` pair in file order (a later duplicate replaces the earlier value in place).
    var values: [(key: String, value: String)]
    /// nil when flannel would refuse the file (then `errors` says why).
    var parsed: SubnetEnv?
    var errors: [String] = []

    init(path: String, text: String) {
        self.path = path
        self.values = []
        for raw in TextLines.split(text) {
            guard let eq = raw.firstIndex(of: "=") else { continue }
            let key = String(raw[..<eq]), value = String(raw[raw.index(after: eq)...])
            if let i = values.firstIndex(where: { $0.key == key }) {
                values[i].value = value
            } else {
                values.append((key, value))
            }
        }
        do {
            parsed = try SubnetEnv.parse(text, path: path)
        } catch {
            errors.append(error.message)
        }
    }

    static func == (a: SubnetEnvReport, b: SubnetEnvReport) -> Bool {
        a.path == b.path && a.values.map(\.key) == b.values.map(\.key) && a.values.map(\.value) == b.values.map(\.value)
    }

    func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

    var networks: [IPNetwork] { parsed?.networks ?? [] }
    var subnet: IPNetwork? { parsed?.subnet }
    var ipv6Networks: [IPNetwork] { parsed?.ipv6Networks ?? [] }
    var ipv6Subnet: IPNetwork? { parsed?.ipv6Subnet }
    var mtu: Int? { parsed?.mtu }
    var ipMasq: Bool? { parsed?.ipMasq }

    /// The address flannel's bridge should carry: the first host of each FLANNEL_*SUBNET network
    /// with its prefix (`10.244.1.1/24` for `10.244.1.0/24`).
    var expectedBridgeAddresses: [IPNetwork] {
        [subnet, ipv6Subnet].compactMap { s in
            guard let s, let host = s.network.firstHost else { return nil }
            return IPNetwork(address: host, prefixLength: s.prefixLength)
        }
    }

    /// The pod subnets (networks of FLANNEL_SUBNET / FLANNEL_IPV6_SUBNET).
    var podSubnets: [IPNetwork] { [subnet, ipv6Subnet].compactMap { $0?.network } }
}
