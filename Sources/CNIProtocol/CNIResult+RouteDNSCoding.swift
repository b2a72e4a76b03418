import CNIValues

/// The one JSON coding of a route (`types.Route` in containernetworking/cni:pkg/types/types.go):
/// results, host-local's `ipam.routes` and flannel's delegate all read and write it here.
extension CNIResult.Route {
    /// Reads `dst` (CIDR, host bits kept), `gw` and the integer keys `mtu`, `advmss`,
    /// `priority`, `table`, `scope`. Nil when `dst` is missing, so each caller words that error
    /// itself; a field of the wrong type throws.
    public init?(json object: JSONObject) throws(CNIError) {
        guard let dst = try object.network("dst") else { return nil }
        self.init(destination: dst, gateway: try object.address("gw"), mtu: try object.int("mtu"),
                  advmss: try object.int("advmss"), priority: try object.int("priority"),
                  table: try object.int("table"), scope: try object.int("scope"))
    }

    /// `dst` and `gw`; with `extended` (results of 1.1.0, and the reference's re-encoding of
    /// `ipam.routes`) also `mtu`, `advmss`, `priority` (left out when 0, Go's `omitempty`), `table`
    /// and `scope` (pointers in Go: written whenever set). Keys in Go's struct order.
    public func json(extended: Bool) -> JSONValue {
        var e = JSONObject()
        e["dst"] = .string(destination.description)
        if let g = gateway { e["gw"] = .string(g.description) }
        if extended {
            if let v = mtu, v != 0 { e["mtu"] = .int(v) }
            if let v = advmss, v != 0 { e["advmss"] = .int(v) }
            if let v = priority, v != 0 { e["priority"] = .int(v) }
            if let v = table { e["table"] = .int(v) }
            if let v = scope { e["scope"] = .int(v) }
        }
        return .object(e)
    }
}

/// The one JSON coding of DNS settings (`types.DNS`): results and bridge's `dns` key.
extension CNIResult.DNS {
    /// Reads `nameservers`, `domain`, `search` and `options`; absent keys are empty.
    public init(json object: JSONObject) throws(CNIError) {
        self.init(nameservers: try object.stringArray("nameservers") ?? [], domain: try object.string("domain") ?? "",
                  search: try object.stringArray("search") ?? [], options: try object.stringArray("options") ?? [])
    }

    /// Whether `object` sets anything, as Go's bridge `dnsConfSet` decides it: a list given as
    /// `[]` counts (a non-nil slice), an empty `domain` does not.
    public static func isSet(in object: JSONObject) -> Bool {
        ["nameservers", "search", "options"].contains { object.field($0).map { !$0.isNull } ?? false }
            || !(object.field("domain")?.stringValue ?? "").isEmpty
    }

    /// The non-empty keys.
    public var json: JSONValue {
        var e = JSONObject()
        if !nameservers.isEmpty { e["nameservers"] = .array(nameservers.map { .string($0) }) }
        if !domain.isEmpty { e["domain"] = .string(domain) }
        if !search.isEmpty { e["search"] = .array(search.map { .string($0) }) }
        if !options.isEmpty { e["options"] = .array(options.map { .string($0) }) }
        return .object(e)
    }
}
