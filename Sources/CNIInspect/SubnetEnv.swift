import CNIValues

/// flanneld's `subnet.env` as flannel reads it (§2.2): `KEY=VALUE` lines split at the first `=`,
/// nothing trimmed, a later line for a key replacing an earlier one. Unlike the plugin, the
/// inspector never fails on a bad file: every problem becomes a note in `errors`.
public struct SubnetEnv: Sendable, Equatable {
    public var path: String
    /// Every `KEY=VALUE` pair in file order (later duplicates replace earlier values in place).
    public var values: [(key: String, value: String)]
    public var networks: [IPNetwork] = []
    public var subnet: IPNetwork?
    public var ipv6Networks: [IPNetwork] = []
    public var ipv6Subnet: IPNetwork?
    public var mtu: Int?
    public var ipMasq: Bool?
    public var errors: [String] = []

    public static let knownKeys = [
        "FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ",
    ]

    public init(path: String, text: String) {
        self.path = path
        self.values = []
        for raw in TextLines.split(text) {
            guard let eq = raw.firstIndex(of: "=") else {
                if Self.knownKeys.contains(String(raw)) { errors.append("line \"\(raw)\" has no '='") }
                continue
            }
            let key = String(raw[..<eq]), value = String(raw[raw.index(after: eq)...])
            if let i = values.firstIndex(where: { $0.key == key }) {
                values[i].value = value
            } else {
                values.append((key, value))
            }
        }
        for (key, value) in values { interpret(key, value) }
        var missing: [String] = []
        if networks.isEmpty && ipv6Networks.isEmpty { missing.append("FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK") }
        if subnet == nil && ipv6Subnet == nil { missing.append("FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET") }
        if mtu == nil { missing.append("FLANNEL_MTU") }
        if ipMasq == nil { missing.append("FLANNEL_IPMASQ") }
        if !missing.isEmpty { errors.append("\(path) is missing \(missing.joined(separator: ", "))") }
    }

    public static func == (a: SubnetEnv, b: SubnetEnv) -> Bool {
        a.path == b.path && a.values.map(\.key) == b.values.map(\.key) && a.values.map(\.value) == b.values.map(\.value)
    }

    public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

    /// The address flannel's bridge should carry: the first host of each FLANNEL_*SUBNET network
    /// with its prefix (`10.244.1.1/24` for `10.244.1.0/24`).
    public var expectedBridgeAddresses: [IPNetwork] {
        [subnet, ipv6Subnet].compactMap { s in
            guard let s, let host = s.network.firstHost else { return nil }
            return IPNetwork(address: host, prefixLength: s.prefixLength)
        }
    }

    /// The pod subnets (networks of FLANNEL_SUBNET / FLANNEL_IPV6_SUBNET).
    public var podSubnets: [IPNetwork] { [subnet, ipv6Subnet].compactMap { $0?.network } }

    private mutating func interpret(_ key: String, _ value: String) {
        switch key {
        case "FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK":
            var list: [IPNetwork] = []
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = IPNetwork(part) else {
                    errors.append("\(key): invalid CIDR \"\(part)\"")
                    continue
                }
                if !list.contains(n) { list.append(n) }
            }
            if key == "FLANNEL_NETWORK" { networks = list } else { ipv6Networks = list }
        case "FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET":
            guard let n = IPNetwork(value) else {
                errors.append("\(key): invalid CIDR \"\(value)\"")
                return
            }
            if key == "FLANNEL_SUBNET" { subnet = n } else { ipv6Subnet = n }
        case "FLANNEL_MTU":
            guard let m = UInt32(value) else {
                errors.append("FLANNEL_MTU: invalid number \"\(value)\"")
                return
            }
            mtu = Int(m)
        case "FLANNEL_IPMASQ":
            ipMasq = value == "true"
        default:
            break
        }
    }
}
