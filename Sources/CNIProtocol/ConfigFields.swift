import CNIValues

/// How a typed read finds its key.
package enum KeyMatching: Sendable {
    /// As Go's `encoding/json` fills a struct field (`JSONObject.field(_:)`): exact or
    /// case-insensitive, the last match winning. Every object the reference decodes into a struct.
    case structField
    /// The exact key, as a Go `map[string]interface{}` is read (libcni's conflist top level).
    case exact
}

/// Typed reads of config fields; a value of the wrong type is a code 7 error naming the key.
extension JSONObject {
    private func value(_ key: String, _ matching: KeyMatching) -> JSONValue? {
        switch matching {
        case .structField: return field(key)
        case .exact: return self[key]
        }
    }

    private func typeError(_ key: String, _ want: String, _ got: JSONValue) -> CNIError {
        CNIError.invalidConfig("invalid network config: \"\(key)\" must be \(want), got \(got.typeName)")
    }

    package func bool(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> Bool? {
        guard let v = value(key, matching), !v.isNull else { return nil }
        guard let b = v.boolValue else { throw typeError(key, "a boolean", v) }
        return b
    }

    package func string(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> String? {
        guard let v = value(key, matching), !v.isNull else { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a string", v) }
        return s
    }

    package func int(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> Int? {
        guard let v = value(key, matching), !v.isNull else { return nil }
        guard let i = v.intValue else { throw typeError(key, "an integer", v) }
        return i
    }

    package func object(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> JSONObject? {
        guard let v = value(key, matching), !v.isNull else { return nil }
        guard let o = v.objectValue else { throw typeError(key, "an object", v) }
        return o
    }

    package func array(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> [JSONValue]? {
        guard let v = value(key, matching), !v.isNull else { return nil }
        guard let a = v.arrayValue else { throw typeError(key, "an array", v) }
        return a
    }

    package func stringArray(_ key: String, _ matching: KeyMatching = .structField) throws(CNIError) -> [String]? {
        guard let a = try array(key, matching) else { return nil }
        var out: [String] = []
        for v in a {
            guard let s = v.stringValue else { throw typeError(key, "an array of strings", v) }
            out.append(s)
        }
        return out
    }

    /// A CIDR field such as `"subnet": "10.244.1.0/24"`.
    package func network(_ key: String) throws(CNIError) -> IPNetwork? {
        guard let s = try string(key) else { return nil }
        guard let n = IPNetwork(s) else { throw CNIError.invalidConfig("invalid CIDR address: \(s)", details: key) }
        return n
    }

    /// An address field such as `"gateway": "10.244.1.1"`.
    package func address(_ key: String) throws(CNIError) -> IPAddress? {
        guard let s = try string(key) else { return nil }
        guard let a = IPAddress(s) else { throw CNIError.invalidConfig("invalid IP address: \(s)", details: key) }
        return a
    }
}
