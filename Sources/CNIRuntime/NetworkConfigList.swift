import CNIProtocol
import CNIValues

/// A network configuration list (`.conflist`), or a single `.conf` treated as a list of one.
struct NetworkConfigList: Sendable {
    let name: String
    let cniVersion: String
    let disableCheck: Bool
    let disableGC: Bool
    let plugins: [JSONObject]

    init(bytes: [UInt8]) throws(CNIError) {
        let o = try JSONObject(parsing: bytes, context: "error parsing configuration list")
        // libcni reads a conflist into a map (exact keys) and a single config into
        // types.NetConf (struct fields, matched as encoding/json does).
        let keys: KeyMatching = o["plugins"] == nil ? .structField : .exact
        guard let name = try o.string("name", keys), !name.isEmpty else {
            throw CNIError.invalidConfig("error parsing configuration list: no name")
        }
        try Validation.validateNetworkName(name)
        self.name = name
        if let list = try o.array("plugins", .exact) {
            var plugins: [JSONObject] = []
            for (i, p) in list.enumerated() {
                guard let po = p.objectValue, let t = try po.string("type"), !t.isEmpty else {
                    throw CNIError.invalidConfig("error parsing configuration list: plugin \(i) has no type")
                }
                plugins.append(po)
            }
            guard !plugins.isEmpty else { throw CNIError.invalidConfig("error parsing configuration list: no plugins in list") }
            self.plugins = plugins
        } else {
            guard let t = try o.string("type"), !t.isEmpty else {
                throw CNIError.invalidConfig("error parsing configuration: no 'plugins' list and no 'type'")
            }
            self.plugins = [o]
        }
        self.cniVersion = try NetworkConfigList.pickVersion(o, keys)
        self.disableCheck = (try o.bool("disableCheck", keys)) ?? false
        self.disableGC = (try o.bool("disableGC", keys)) ?? false
    }

    /// `cniVersions` (1.1.0): the highest version we support; else `cniVersion`.
    static func pickVersion(_ o: JSONObject, _ keys: KeyMatching) throws(CNIError) -> String {
        if let list = try o.stringArray("cniVersions", keys), !list.isEmpty {
            let ours = list.compactMap { s in CNIVersion(s).map { (s, $0) } }.filter { CNIVersion.supported.contains($0.1) }
            guard let best = ours.max(by: { $0.1 < $1.1 }) else {
                throw CNIError(code: CNIError.incompatibleVersion, "no supported version in cniVersions \(list)")
            }
            return best.0
        }
        return try o.string("cniVersion", keys) ?? ""
    }

    /// The config one plugin of the list receives, built as libcni does: `name` and
    /// `cniVersion` of the list, `runtimeConfig` for the capabilities it declares and the
    /// runtime supplies, and `prevResult` when there is one.
    func pluginConfig(_ index: Int, capabilityArgs: JSONObject, prevResult: JSONValue?) throws(CNIError) -> JSONObject {
        guard plugins.indices.contains(index) else { throw CNIError.internalFailure("no plugin \(index) in list") }
        var conf = plugins[index]
        conf["name"] = .string(name)
        conf["cniVersion"] = .string(cniVersion)
        var runtime = JSONObject()
        if let caps = try conf.object("capabilities") {
            for (cap, enabled) in caps where enabled.boolValue == true {
                if let v = capabilityArgs[cap] { runtime[cap] = v }
            }
        }
        if !runtime.isEmpty { conf["runtimeConfig"] = .object(runtime) }
        if let prevResult { conf["prevResult"] = prevResult }
        return conf
    }
}
