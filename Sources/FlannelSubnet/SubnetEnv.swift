import CNISystem
import CNIValues

/// The node's flannel lease, as flanneld writes it to `/run/flannel/subnet.env`:
///
///     FLANNEL_NETWORK=10.244.0.0/16
///     FLANNEL_SUBNET=10.244.1.1/24
///     FLANNEL_MTU=1450
///     FLANNEL_IPMASQ=true
///
/// Parsing follows flannel-io/cni-plugin's `loadFlannelSubnetEnv`: each line is split at its
/// first `=`, values are not trimmed, unknown keys are ignored, a later line for a key replaces an
/// earlier one, `FLANNEL_IPMASQ` is true only for exactly `true`. Where the reference panics or
/// reports a bare `strconv`/`net` error, every problem here names the file and the line.
/// Differences, all on input flanneld never writes: a trailing `\r` is dropped (CRLF files),
/// blank lines and `#` comments are skipped, any other line without `=` is an error, and each
/// key must hold its own address family.
package struct SubnetEnv: Equatable, Sendable {
    /// `FLANNEL_NETWORK`: the cluster's IPv4 networks (masked, duplicates dropped).
    package var networks: [IPNetwork] = []
    /// `FLANNEL_SUBNET` as written (`10.244.1.1/24`); `subnet?.network` is the node's range.
    package var subnet: IPNetwork?
    /// `FLANNEL_IPV6_NETWORK`.
    package var ipv6Networks: [IPNetwork] = []
    /// `FLANNEL_IPV6_SUBNET` as written.
    package var ipv6Subnet: IPNetwork?
    /// `FLANNEL_MTU`.
    package var mtu: Int?
    /// `FLANNEL_IPMASQ`: flanneld masquerades pod traffic itself (the delegate then must not).
    package var ipMasq: Bool?

    /// Largest file read; flanneld writes a few hundred bytes.
    package static let sizeLimit = 1 << 20

    package static let knownKeys: Set<String> = [
        "FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET",
        "FLANNEL_MTU", "FLANNEL_IPMASQ",
    ]

    /// Reads and parses the file; the result is complete (see `missingKeys`).
    package static func load(path: String) throws(SubnetEnvError) -> SubnetEnv {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path, limit: sizeLimit)
        } catch {
            let kind: SubnetEnvError.Kind = Errno.noSuchFileOrDirectory ~= error ? .missingFile : .unreadable
            throw SubnetEnvError(kind, String(describing: error))
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses file content; `path` is used in error messages. Throws when a line is malformed or
    /// a required key is missing.
    package static func parse(_ text: String, path: String) throws(SubnetEnvError) -> SubnetEnv {
        var env = SubnetEnv()
        var number = 0
        // "\r\n" is one Character in Swift: both separators are matched.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            guard let eq = line.firstIndex(of: "=") else {
                let blank = line.allSatisfy { $0 == " " || $0 == "\t" }
                if blank || line.hasPrefix("#") { continue }
                let hint = knownKeys.contains(String(line)) ? "\(line) has no value" : "not a KEY=VALUE line"
                throw malformed(path, number, line, hint)
            }
            let key = String(line[..<eq])
            let value = line[line.index(after: eq)...]
            switch key {
            case "FLANNEL_NETWORK":
                env.networks = try networkList(value, key: key, family: .v4, path, number, line)
            case "FLANNEL_IPV6_NETWORK":
                env.ipv6Networks = try networkList(value, key: key, family: .v6, path, number, line)
            case "FLANNEL_SUBNET":
                env.subnet = try cidr(value, key: key, family: .v4, path, number, line)
            case "FLANNEL_IPV6_SUBNET":
                env.ipv6Subnet = try cidr(value, key: key, family: .v6, path, number, line)
            case "FLANNEL_MTU":
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                    throw malformed(path, number, line, "FLANNEL_MTU \(quoted(value)) is not a decimal number")
                }
                let digits = value.drop { $0 == "0" }
                guard digits.count <= 10, let mtu = UInt32(digits.isEmpty ? "0" : String(digits)) else {
                    throw malformed(path, number, line, "FLANNEL_MTU \(quoted(value)) is out of range")
                }
                env.mtu = Int(mtu)
            case "FLANNEL_IPMASQ":
                env.ipMasq = value == "true"
            default:
                continue
            }
        }
        let missing = env.missingKeys
        guard missing.isEmpty else {
            throw SubnetEnvError(.incomplete(missingKeys: missing),
                                 "\(path) is missing \(missing.joined(separator: ", "))")
        }
        return env
    }

    /// The keys still needed, in the reference's order: a network and a subnet of either
    /// family, the MTU and the masquerade flag.
    package var missingKeys: [String] {
        var m: [String] = []
        if networks.isEmpty && ipv6Networks.isEmpty { m += ["FLANNEL_NETWORK", "FLANNEL_IPV6_NETWORK"] }
        if subnet == nil && ipv6Subnet == nil { m += ["FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET"] }
        if mtu == nil { m.append("FLANNEL_MTU") }
        if ipMasq == nil { m.append("FLANNEL_IPMASQ") }
        return m
    }

    // MARK: - Private

    private static func networkList(_ value: Substring, key: String, family: IPAddress.Family,
                                    _ path: String, _ number: Int, _ line: Substring) throws(SubnetEnvError) -> [IPNetwork] {
        var out: [IPNetwork] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let n = try cidr(item, key: key, family: family, path, number, line).network
            if !out.contains(n) { out.append(n) }
        }
        return out
    }

    private static func cidr(_ text: Substring, key: String, family: IPAddress.Family,
                             _ path: String, _ number: Int, _ line: Substring) throws(SubnetEnvError) -> IPNetwork {
        guard let n = IPNetwork(text) else {
            throw malformed(path, number, line, "invalid CIDR address: \(text)")
        }
        guard n.family == family else {
            throw malformed(path, number, line, "\(key) must hold IPv\(family.rawValue) CIDRs, got \(text)")
        }
        return n
    }

    private static func malformed(_ path: String, _ number: Int, _ line: Substring, _ reason: String) -> SubnetEnvError {
        SubnetEnvError(.malformed(line: number), "\(path) line \(number) \(quoted(line)): \(reason)")
    }

    /// The text in double quotes with control characters escaped, cut at 120 characters.
    static func quoted(_ text: Substring) -> String {
        let cut = text.count > 120 ? String(text.prefix(120)) + "..." : String(text)
        return String(reflecting: cut)
    }
}
