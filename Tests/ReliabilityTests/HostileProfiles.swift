import CNITestSupport
import Foundation

/// The temp tree a hostile-input run points its configs at. Every path-like value in a hostile
/// config is one of these (inside `root`) or invalid; none reaches /var/lib/cni or /run/flannel.
struct FuzzPaths {
    let root: String
    let pod: String
    var subnetFile: String { root + "/subnet.env" }
    var flannelDir: String { root + "/flannel" }
    var ipamDir: String { root + "/ipam" }
    /// A regular file where a directory is expected.
    var regularFile: String { root + "/regular" }
    var emptyDir: String { root + "/emptydir" }
    var missing: String { root + "/missing" }
    var overlong: String { root + "/" + String(repeating: "x", count: 300) }

    /// Broken subnet.env files (name → content), written under `root/subnets/`.
    static let brokenSubnetEnvs: [(String, String)] = [
        ("cidr-33", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/33\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("octet-300", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=300.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("subnet-word", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=abc\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("network-99", "FLANNEL_NETWORK=10.244.0.0/99\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("two-subnets", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24,10.244.2.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("no-mtu", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPMASQ=true\n"),
        ("mtu-space", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450 \nFLANNEL_IPMASQ=true\n"),
        ("mtu-negative", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=-1\nFLANNEL_IPMASQ=true\n"),
        ("mtu-huge", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=99999999999\nFLANNEL_IPMASQ=true\n"),
        ("mtu-tiny", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=50\nFLANNEL_IPMASQ=true\n"),
        ("mtu-fraction", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1.5\nFLANNEL_IPMASQ=true\n"),
        ("bare-key", "FLANNEL_NETWORK\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("empty", ""),
        ("nul", "FLANNEL_NETWORK=10.244.0.0/16\u{0}\nFLANNEL_SUBNET=10.244.1.1/24\u{0}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("v6-bad", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_SUBNET=zz::/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("v6-prefix", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_IPV6_NETWORK=fd00::/200\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        ("long-line", String(repeating: "F", count: 100_000) + "\n"),
        ("crlf-only", "\r\n\r\n"),
    ]

    func brokenSubnetEnv(_ name: String) -> String { root + "/subnets/" + name + ".env" }

    /// Creates the files the configs point at.
    func create(validSubnetEnv: String) throws {
        let fm = FileManager.default
        for dir in [flannelDir, ipamDir, emptyDir, root + "/subnets"] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try validSubnetEnv.write(toFile: subnetFile, atomically: true, encoding: .utf8)
        try "not a directory\n".write(toFile: regularFile, atomically: true, encoding: .utf8)
        for (name, text) in Self.brokenSubnetEnvs { try text.write(toFile: brokenSubnetEnv(name), atomically: true, encoding: .utf8) }
        var rng = SeededRandom(seed: 0xB1_4A7)
        try Data(rng.bytes(3000)).write(to: URL(fileURLWithPath: brokenSubnetEnv("random-bytes")))
    }
}

/// What kind of value a config key holds; `wrongValues` are values of every other kind (never
/// null or "", which plugins read as "absent": that could select a default path on the machine).
enum ValueKind {
    case string, bool, int, object, array, stringArray

    var wrongValues: [JSONText] {
        switch self {
        case .string: return [5, true, [], [:], .raw("1.5"), ["x"], .raw("-0")]
        case .bool: return ["true", 1, 0, [], [:], "false", .raw("1.5")]
        case .int: return ["1450", true, .raw("1.5"), [], [:], .raw("1e400"), .raw("99999999999999999999"), .raw("-9223372036854775809")]
        case .object: return ["x", 5, true, [], [1]]
        case .array: return ["x", 5, true, [:]]
        case .stringArray: return ["x", 5, [5], [true], [[:]], [[]]]
        }
    }
}

/// One plugin's valid config and the ways to break it.
struct PluginProfile {
    let plugin: String
    /// A config ADD accepts on the fuzz node (checked by a warm-up ADD/DEL).
    let template: JSONText
    /// Keys the plugin reads (or its delegates read, for flannel), with their kind.
    let keys: [([String], ValueKind)]
    /// Semantically invalid values (nil removes the key), each breaking the config on its own.
    let badValues: [([String], JSONText?)]
    /// CNI_ARGS values this plugin must refuse, besides the generic garbage.
    let badArgs: [String]
    /// Whether it runs another plugin from CNI_PATH (so a broken CNI_PATH must fail ADD).
    let delegates: Bool
    /// Whether a host-local store is involved (so a 300-character network name cannot work).
    let usesStore: Bool
    /// Whether ADD enters CNI_NETNS (host-local and portmap never do, so any path is fine for them).
    let opensNetns: Bool
}

extension PluginProfile {
    static let common: [([String], ValueKind)] = [(["cniVersion"], .string), (["name"], .string), (["type"], .string)]

    static func all(_ p: FuzzPaths) -> [String: PluginProfile] {
        ["flannel": flannel(p), "bridge": bridge(p), "host-local": hostLocal(p), "portmap": portmap(p), "loopback": loopback(p)]
    }

    static func loopback(_ p: FuzzPaths) -> PluginProfile {
        PluginProfile(
            plugin: "loopback", template: ["cniVersion": "1.0.0", "name": "relfz-lo", "type": "loopback"],
            keys: common + [(["prevResult"], .object)],
            badValues: [
                (["prevResult"], ["cniVersion": "9.9.9", "ips": []]),
                (["prevResult"], ["cniVersion": "1.0.0", "ips": "x"]),
                (["prevResult"], ["cniVersion": "1.0.0", "interfaces": 5]),
                (["prevResult"], ["cniVersion": "1.0.0", "ips": [["address": "bad"]]]),
            ],
            badArgs: ["IP=10.1.1.1", "MAC=0a:58:0a:f4:01:02"], delegates: false, usesStore: false, opensNetns: true)
    }
}
