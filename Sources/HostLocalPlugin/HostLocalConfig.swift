import CNIProtocol
import CNIValues
import HostLocalStore

/// The `ipam` section of the network config (the whole config is on stdin), decoded and
/// validated before anything on the node is touched. Texts follow the reference.
public struct HostLocalConfig: Sendable {
    public static let defaultDataDir = StoreLayout.defaultDataDir

    /// `runtimeConfig.ipRanges`, then the legacy top-level range, then `ranges`.
    public var rangeSets: [RangeSet]
    public var routes: [CNIResult.Route]
    public var resolvConf: String?
    /// CNI_ARGS `IP`, then `args.cni.ips`, then `runtimeConfig.ips`.
    public var requestedIPs: [IPAddress]
    /// `<dataDir>/<network name>`.
    public var storeDirectory: String
    /// `releaseOnReboot` (default true): reservations belong to the boot that made them, and the
    /// first ADD after a reboot releases those of earlier boots. Set false for a store shared by
    /// several machines (each has its own boot id) or one that must outlive reboots.
    public var releaseOnReboot: Bool

    public init(config: NetworkConfig, environmentArgs: CNIArgs = CNIArgs()) throws(CNIError) {
        let ipam = try HostLocalConfig.ipamSection(config)
        storeDirectory = try HostLocalConfig.storeDirectory(ipam: ipam, networkName: config.name)
        requestedIPs = try HostLocalConfig.requestedIPs(config, environmentArgs: environmentArgs)

        var setValues: [JSONValue] = try config.runtimeConfig?.array("ipRanges") ?? []
        if let subnet = ipam.field("subnet"), !subnet.isNull {
            var legacy = JSONObject()
            for key in ["subnet", "rangeStart", "rangeEnd", "gateway"] { legacy[key] = ipam.field(key) }
            setValues.append(.array([.object(legacy)]))
        }
        setValues += try ipam.array("ranges") ?? []
        guard !setValues.isEmpty else { throw CNIError.invalidConfig("no IP ranges specified") }

        var sets: [RangeSet] = []
        for (i, value) in setValues.enumerated() {
            do {
                sets.append(try RangeSet(json: value))
            } catch {
                throw CNIError.invalidConfig("invalid range set \(i): \(error.msg)", details: error.details)
            }
        }
        let v4 = sets.filter { $0.family == .v4 }.count
        let v6 = sets.count - v4
        if (v4 > 1 || v6 > 1) && config.version < .v0_3_0 {
            throw CNIError.invalidConfig("CNI version \(config.versionString) does not support more than 1 address per family")
        }
        for (i, a) in sets.enumerated() {
            for (j, b) in sets.enumerated().dropFirst(i + 1) where a.overlaps(b) {
                throw CNIError.invalidConfig("range set \(i) overlaps with \(j)")
            }
        }
        rangeSets = sets
        routes = try HostLocalConfig.routes(ipam)
        releaseOnReboot = try ipam.bool("releaseOnReboot") ?? true
        let resolv = try ipam.string("resolvConf") ?? ""
        resolvConf = resolv.isEmpty ? nil : resolv
    }

    /// Only where the store lives: what DEL, GC and STATUS need, so they still work when the
    /// ranges came from a runtime capability that is not passed to them.
    public static func storeDirectory(config: NetworkConfig) throws(CNIError) -> String {
        try storeDirectory(ipam: try ipamSection(config), networkName: config.name)
    }

    // MARK: - Pieces

    static func ipamSection(_ config: NetworkConfig) throws(CNIError) -> JSONObject {
        guard let ipam = try config.json.object("ipam") else {
            throw CNIError.invalidConfig("IPAM config missing 'ipam' key")
        }
        _ = try ipam.string("type")  // a wrong type is an error, not ignored
        return ipam
    }

    /// `<dataDir>/<name>` (`StoreLayout.storeDirectory`). The dispatcher already checked the
    /// name against the CNI regex; this still refuses anything that would leave dataDir.
    static func storeDirectory(ipam: JSONObject, networkName: String) throws(CNIError) -> String {
        let dataDir = try ipam.string("dataDir")
        do throws(StoreLayout.DirectoryError) {
            return try StoreLayout.storeDirectory(dataDir: dataDir, network: networkName)
        } catch {
            switch error {
            case .invalidNetworkName(let name):
                throw CNIError.invalidConfig("invalid characters found in network name", details: name)
            case .invalidDataDir(let dir):
                throw CNIError.invalidConfig("invalid dataDir", details: dir)
            }
        }
    }

    static func requestedIPs(_ config: NetworkConfig, environmentArgs: CNIArgs) throws(CNIError) -> [IPAddress] {
        var out: [IPAddress] = []
        if let text = environmentArgs["IP"], !text.isEmpty {
            guard let a = parseRequested(text) else {
                throw CNIError(code: CNIError.invalidEnvironment, "ARGS: error parsing value of pair \"IP=\(text)\": invalid IP address \(text)")
            }
            out.append(a)
        }
        let lists: [JSONValue?] = [config.cniArg("ips"), config.runtimeConfig?.field("ips")]
        for case let list? in lists where !list.isNull {
            guard let items = list.arrayValue else {
                throw CNIError.invalidConfig("requested ips must be an array of strings, got \(list.typeName)")
            }
            for item in items {
                guard let text = item.stringValue, let a = parseRequested(text) else {
                    throw CNIError.invalidConfig("invalid IP address \(item.stringValue ?? item.description)")
                }
                out.append(a)
            }
        }
        return out
    }

    /// `10.1.2.3` or `10.1.2.3/24` (the prefix is ignored: the range's subnet decides).
    static func parseRequested(_ text: String) -> IPAddress? {
        if text.contains("/") { return IPNetwork(text)?.address.canonical }
        return IPAddress(text)?.canonical
    }

    static func routes(_ ipam: JSONObject) throws(CNIError) -> [CNIResult.Route] {
        var out: [CNIResult.Route] = []
        for value in try ipam.array("routes") ?? [] {
            guard let r = value.objectValue, let route = try CNIResult.Route(json: r) else {
                throw CNIError.invalidConfig("invalid route \(value): needs a \"dst\" CIDR")
            }
            out.append(route)
        }
        return out
    }
}
