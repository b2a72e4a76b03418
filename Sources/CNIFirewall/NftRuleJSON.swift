import CNIValues

/// Reads the `expr` array of a rule in `nft -j` output into an `NftRule`: the matches and
/// statements the model covers become values, anything else is kept as its JSON (`listed`).
enum NftRuleJSON {
    static func rule(_ expr: [JSONValue]) -> NftRule {
        var rule = NftRule([], [])
        for item in expr {
            if let m = item["match"]?.objectValue {
                rule.matches.append(match(m) ?? .listed(JSONSerializer.string(item)))
            } else {
                rule.statements.append(statement(item) ?? .listed(JSONSerializer.string(item)))
            }
        }
        return rule
    }

    static func match(_ m: JSONObject) -> NftRule.Match? {
        guard let left = m["left"], let right = m["right"], let opText = m["op"]?.stringValue else { return nil }
        let op: NftRule.Operator
        switch opText {
        case "==": op = .implicit
        case "!=": op = .notEqual
        case "in": op = .implicit
        default: return nil
        }
        if let payload = left["payload"], let proto = payload["protocol"]?.stringValue,
           let field = payload["field"]?.stringValue {
            switch (proto, field) {
            case ("ip", _), ("ip6", _):
                guard let direction = NftRule.Direction(rawValue: field), let value = address(right),
                      (proto == "ip") == (value.family == .v4) else { return nil }
                return .address(direction, op, value)
            case ("ether", "saddr"):
                guard op == .implicit, let mac = right.stringValue.flatMap({ MACAddress($0) }) else { return nil }
                return .etherSource(mac)
            case (_, "dport"):
                guard op == .implicit, let port = right.intValue else { return nil }
                return .destinationPort(transport: proto, port: port)
            default:
                return nil
            }
        }
        guard op == .implicit else { return nil }
        if let key = left["meta"]?["key"]?.stringValue {
            switch key {
            case "iifname": return right.stringValue.map { .inputInterface($0) }
            case "oifname": return right.stringValue.map { .outputInterface($0) }
            case "l4proto": return right.stringValue.map { .l4Protocol($0) }
            case "nfproto":
                switch right.stringValue {
                case "ipv4": return .l3Protocol(.v4)
                case "ipv6": return .l3Protocol(.v6)
                default: return nil
                }
            case "mark": return right.intValue.flatMap { UInt32(exactly: $0) }.map { .mark($0) }
            default: return nil
            }
        }
        if let fib = left["fib"], fib["result"]?.stringValue == "type",
           fib["flags"]?.arrayValue?.compactMap(\.stringValue) == ["daddr"], right.stringValue == "local" {
            return .localDestination
        }
        if left["ct"]?["key"]?.stringValue == "status", right.stringValue == "dnat" {
            return .destinationNATed
        }
        return nil
    }

    static func address(_ value: JSONValue) -> NftRule.Address? {
        if let text = value.stringValue { return IPAddress(text).map { .host($0) } }
        guard let prefix = value["prefix"], let addr = prefix["addr"]?.stringValue.flatMap({ IPAddress($0) }),
              let length = prefix["len"]?.intValue, let network = IPNetwork(address: addr, prefixLength: length) else { return nil }
        return .prefix(network)
    }

    static func statement(_ item: JSONValue) -> NftRule.Statement? {
        guard let object = item.objectValue, object.count == 1, let (key, value) = object.entries.first else { return nil }
        switch key {
        case "dnat":
            guard value["family"] == nil, let addr = value["addr"]?.stringValue.flatMap({ IPAddress($0) }) else { return nil }
            let port = value["port"]?.intValue
            guard port != nil || value["port"] == nil else { return nil }
            return .dnat(addr, port: port)
        case "snat":
            guard value["family"] == nil, value["port"] == nil,
                  let addr = value["addr"]?.stringValue.flatMap({ IPAddress($0) }) else { return nil }
            return .snat(addr)
        case "masquerade": return value.isNull ? .masquerade : nil
        case "jump": return value["target"]?.stringValue.map { .jump($0) }
        case "goto": return value["target"]?.stringValue.map { .goto($0) }
        case "accept": return .accept
        case "drop": return .drop
        case "return": return .return
        case "counter": return .counter
        default: return nil
        }
    }
}
