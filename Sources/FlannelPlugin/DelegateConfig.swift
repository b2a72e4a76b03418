import CNIProtocol
import CNIValues
import FlannelSubnet

/// The config flannel hands to its delegate (bridge by default), built from the flannel config
/// and `subnet.env` exactly as flannel-io/cni-plugin's `doCmdAdd` / `getDelegateIPAM` do:
///
/// - start from `delegate`; `name` = flannel's name; `type` defaults to `bridge`;
/// - `ipMasq` defaults to `!FLANNEL_IPMASQ`, `mtu` to `FLANNEL_MTU`; a bridge gets `isGateway: true`
///   unless set; `cniVersion` = flannel's when non-empty; `runtimeConfig` (and `args`) copied;
/// - `ipam` = flannel's `ipam` (or `{}`), `type` defaulting to `host-local`, `ranges` replaced by
///   one range set per family present (`[[{"subnet": <FLANNEL_SUBNET network>}], [{"subnet": <v6>}]]`),
///   `routes` = the given `ipam.routes` followed by `{"dst": n}` for every FLANNEL_NETWORK and then
///   FLANNEL_IPV6_NETWORK entry.
///
/// `bytes` is compact JSON with sorted keys, byte for byte what Go's `json.Marshal` of the
/// reference's map prints (and what is saved in `dataDir` for DEL). Two corners differ on input
/// kube-flannel never has: number literals are kept as written (Go re-prints them as float64,
/// `1e3` → `1000`), and keys of a given `ipam.routes` entry with `mtu`/`advmss`/... are sorted
/// (Go prints `types.Route` in struct order).
struct DelegateConfig: Sendable {
    let json: JSONObject
    /// The delegate plugin's type (`bridge`).
    let type: String

    /// Generates the delegate config. Call `FlannelConfig.validateDelegate()` first.
    init(config: FlannelConfig, subnet: SubnetEnv) throws(CNIError) {
        var d = config.delegate
        if let rc = config.runtimeConfig { d["runtimeConfig"] = .object(rc) }
        if let a = config.args { d["args"] = a }
        d["name"] = .string(config.name)
        if d["type"] == nil { d["type"] = "bridge" }
        if d["ipMasq"] == nil, let masq = subnet.ipMasq { d["ipMasq"] = .bool(!masq) }
        if d["mtu"] == nil, let mtu = subnet.mtu { d["mtu"] = .int(mtu) }
        guard let type = d["type"]?.stringValue, !type.isEmpty else {
            throw CNIError.invalidConfig("'delegate' dictionary, if present, must have (string) 'type' field")
        }
        if type == "bridge" && d["isGateway"] == nil { d["isGateway"] = true }
        if let v = config.cniVersion { d["cniVersion"] = .string(v) }
        d["ipam"] = .object(try DelegateConfig.ipam(config: config, subnet: subnet))
        self.json = d
        self.type = type
    }

    /// Wraps an already generated (e.g. saved) delegate config.
    init(json: JSONObject) throws(CNIError) {
        guard let type = json["type"]?.stringValue, !type.isEmpty else {
            throw CNIError.invalidConfig("delegate config has no (string) 'type' field")
        }
        self.json = json
        self.type = type
    }

    /// Parses a saved file (ours or the reference's): a JSON object with a string `type`.
    init(saved bytes: [UInt8]) throws(CNIError) {
        try self.init(json: JSONObject(parsing: bytes, context: "failed to parse netconf"))
    }

    /// Compact JSON, keys sorted.
    var bytes: [UInt8] { JSONSerializer.bytes(.object(json), style: .compact, sortedKeys: true) }
    var text: String { JSONSerializer.string(.object(json), style: .compact, sortedKeys: true) }

    // MARK: - IPAM

    static func ipam(config: FlannelConfig, subnet: SubnetEnv) throws(CNIError) -> JSONObject {
        var ipam = config.ipam ?? JSONObject()
        if ipam["type"] == nil { ipam["type"] = "host-local" }
        var ranges: [JSONValue] = []
        for sn in [subnet.subnet, subnet.ipv6Subnet].compactMap({ $0 }) {
            ranges.append([.object(JSONObject([("subnet", .string(sn.network.description))]))])
        }
        ipam["ranges"] = .array(ranges)
        var routes = try givenRoutes(ipam["routes"])
        for n in subnet.networks + subnet.ipv6Networks {
            routes.append(.object(JSONObject([("dst", .string(n.description))])))
        }
        ipam["routes"] = .array(routes)
        return ipam
    }

    /// `ipam.routes` re-encoded like the reference's `[]types.Route` round trip: `dst` (CIDR,
    /// host bits kept) and optional `gw`, `mtu`, `advmss`, `priority` (dropped when 0), `table`,
    /// `scope`; other keys are dropped.
    static func givenRoutes(_ value: JSONValue?) throws(CNIError) -> [JSONValue] {
        guard let value, !value.isNull else { return [] }
        func bad(_ why: String) -> CNIError {
            CNIError.invalidConfig("failed to assemble Delegate IPAM: failed to read IPAM routes: \(why)")
        }
        guard let list = value.arrayValue else { throw bad("ipam.routes must be an array, got \(value.typeName)") }
        var out: [JSONValue] = []
        for item in list {
            guard let r = item.objectValue else { throw bad("route must be an object, got \(item.typeName)") }
            let parsed: CNIResult.Route?
            do throws(CNIError) { parsed = try CNIResult.Route(json: r) } catch { throw bad("route \(item): \(error.msg)") }
            guard let route = parsed else { throw bad("route \(item): \"dst\" must be a CIDR") }
            out.append(route.json(extended: true))
        }
        return out
    }
}
