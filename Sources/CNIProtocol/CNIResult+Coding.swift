import CNIValues

/// Reading and writing results in each spec version's shape (Go `types/020`, `040`, `100`).
extension CNIResult {
    /// Parses a result JSON of any supported version (taken from its `cniVersion`).
    public init(parsing value: JSONValue) throws(CNIError) {
        guard let o = value.objectValue else {
            throw CNIError(code: CNIError.decodingFailure, "failed to parse result: expected an object")
        }
        let versionText = (try? o.string("cniVersion")) ?? ""
        guard let version = versionText.isEmpty ? CNIVersion.v0_1_0 : CNIVersion(versionText),
              versionText.isEmpty || CNIVersion.supported.map(\.description).contains(versionText)
        else {
            throw CNIError(code: CNIError.incompatibleVersion, "failed to parse result: unsupported cniVersion \"\(versionText)\"")
        }
        do {
            if version.usesLegacyResult {
                self = try CNIResult.parseLegacy(o)
            } else {
                self = try CNIResult.parseCurrent(o)
            }
        } catch {
            throw CNIError(code: CNIError.decodingFailure, "failed to parse result: \(error.msg)", details: error.details)
        }
    }

    /// The JSON for `version`. Versions before 0.3.0 keep only the first IP of each family
    /// and fail without any IP (`cannot convert: no valid IP addresses`).
    public func json(version: String) throws(CNIError) -> JSONValue {
        guard let v = CNIVersion(version) else {
            throw CNIError(code: CNIError.incompatibleVersion, "unsupported CNI result version \"\(version)\"")
        }
        var o = JSONObject()
        o["cniVersion"] = .string(version)
        if v.usesLegacyResult {
            try appendLegacy(into: &o)
        } else {
            appendCurrent(into: &o, version: v)
        }
        return .object(o)
    }

    // MARK: 0.3.0 and later

    private static func parseCurrent(_ o: JSONObject) throws(CNIError) -> CNIResult {
        var r = CNIResult()
        for v in try o.array("interfaces") ?? [] {
            guard let i = v.objectValue else { throw CNIError.invalidConfig("interface entry must be an object") }
            r.interfaces.append(Interface(name: try i.string("name") ?? "", mac: try i.string("mac") ?? "",
                                          mtu: try i.int("mtu"), sandbox: try i.string("sandbox") ?? "",
                                          socketPath: try i.string("socketPath") ?? "", pciID: try i.string("pciID") ?? ""))
        }
        for v in try o.array("ips") ?? [] {
            guard let i = v.objectValue, let addr = try i.network("address") else {
                throw CNIError.invalidConfig("ip entry needs an address")
            }
            let index = try i.int("interface")
            if let index, index < 0 { throw CNIError.invalidConfig("ip entry has a negative interface index \(index)") }
            r.ips.append(IPConfig(interface: index, address: addr, gateway: try i.address("gateway")))
        }
        r.routes = try parseRoutes(try o.array("routes") ?? [])
        if let d = try o.object("dns") { r.dns = try DNS(json: d) }
        return r
    }

    private func appendCurrent(into o: inout JSONObject, version: CNIVersion) {
        let extended = version >= .v1_1_0
        if !interfaces.isEmpty {
            o["interfaces"] = .array(interfaces.map { i in
                var e = JSONObject()
                e["name"] = .string(i.name)
                if !i.mac.isEmpty { e["mac"] = .string(i.mac) }
                if extended, let m = i.mtu, m != 0 { e["mtu"] = .int(m) }
                if !i.sandbox.isEmpty { e["sandbox"] = .string(i.sandbox) }
                if extended, !i.socketPath.isEmpty { e["socketPath"] = .string(i.socketPath) }
                if extended, !i.pciID.isEmpty { e["pciID"] = .string(i.pciID) }
                return .object(e)
            })
        }
        if !ips.isEmpty {
            o["ips"] = .array(ips.map { ip in
                var e = JSONObject()
                if version < .v1_0_0 { e["version"] = .string(ip.address.family == .v4 ? "4" : "6") }
                if let idx = ip.interface { e["interface"] = .int(idx) }
                e["address"] = .string(ip.address.description)
                if let g = ip.gateway { e["gateway"] = .string(g.description) }
                return .object(e)
            })
        }
        if !routes.isEmpty { o["routes"] = .array(routes.map { $0.json(extended: extended) }) }
        if !dns.isEmpty { o["dns"] = dns.json }
    }

    // MARK: 0.1.0 / 0.2.0

    private static func parseLegacy(_ o: JSONObject) throws(CNIError) -> CNIResult {
        var r = CNIResult()
        for key in ["ip4", "ip6"] {
            guard let c = try o.object(key) else { continue }
            guard let ip = try c.network("ip") else { throw CNIError.invalidConfig("\(key) needs an ip") }
            r.ips.append(IPConfig(address: ip, gateway: try c.address("gateway")))
            r.routes += try parseRoutes(try c.array("routes") ?? [])
        }
        if let d = try o.object("dns") { r.dns = try DNS(json: d) }
        return r
    }

    private func appendLegacy(into o: inout JSONObject) throws(CNIError) {
        let v4 = ips.first { $0.address.family == .v4 }
        let v6 = ips.first { $0.address.family == .v6 }
        guard v4 != nil || v6 != nil else {
            throw CNIError(code: CNIError.incompatibleVersion, "cannot convert: no valid IP addresses")
        }
        for (key, ip, family) in [("ip4", v4, IPAddress.Family.v4), ("ip6", v6, IPAddress.Family.v6)] {
            guard let ip else { continue }
            var e = JSONObject()
            e["ip"] = .string(ip.address.description)
            if let g = ip.gateway { e["gateway"] = .string(g.description) }
            let rs = routes.filter { $0.destination.family == family }
            if !rs.isEmpty { e["routes"] = .array(rs.map { $0.json(extended: false) }) }
            o[key] = .object(e)
        }
        if !dns.isEmpty { o["dns"] = dns.json }
    }

    // MARK: shared pieces

    static func parseRoutes(_ list: [JSONValue]) throws(CNIError) -> [Route] {
        var out: [Route] = []
        for v in list {
            guard let r = v.objectValue, let route = try Route(json: r) else {
                throw CNIError.invalidConfig("route entry needs a dst")
            }
            out.append(route)
        }
        return out
    }
}
