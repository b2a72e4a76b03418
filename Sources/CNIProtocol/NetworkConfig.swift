import CNIValues

/// One plugin's network configuration from stdin, kept as a faithful JSON object so unknown
/// keys, `args` and `runtimeConfig` reach delegates untouched.
package struct NetworkConfig: Sendable {
    package let json: JSONObject
    /// The exact bytes read from stdin.
    package let raw: [UInt8]
    package let name: String
    package let type: String
    /// The declared version; a config without `cniVersion` is 0.1.0, as in the Go library.
    package let version: CNIVersion
    package let versionString: String

    /// `deleting`: the config of a DEL, where a wrongly typed `args` or `runtimeConfig` is
    /// reported on stderr and read as absent (see `DeleteConfig`).
    package init(bytes: [UInt8], deleting: Bool = false) throws(CNIError) {
        let obj = try JSONObject(parsing: bytes, context: "error unmarshall network config")
        if let key = NetworkConfig.firstNULString(.object(obj)) {
            throw CNIError.invalidConfig("invalid network config: NUL character in \"\(key)\"")
        }
        guard let name = try? obj.string("name"), !name.isEmpty else {
            throw CNIError(code: CNIError.invalidNetworkConfig, "missing network name")
        }
        try Validation.validateNetworkName(name)
        let versionString: String
        do {
            versionString = try obj.string("cniVersion") ?? ""
        } catch {
            throw CNIError(code: CNIError.decodingFailure, "decoding version from network config: \"cniVersion\" must be a string")
        }
        let parsed: CNIVersion
        if versionString.isEmpty {
            parsed = .v0_1_0
        } else if let v = CNIVersion(versionString) {
            parsed = v
        } else {
            throw CNIError(code: CNIError.decodingFailure, "decoding version from network config: invalid version \"\(versionString)\"")
        }
        // Reserved keys every plugin reads must have their spec types (wrong ones are errors,
        // never silently ignored: a dropped `args.cni.ips` would allocate the wrong IP).
        let type = try obj.string("type") ?? ""
        do {
            if let args = try obj.object("args") { _ = try args.object("cni") }
            _ = try obj.object("runtimeConfig")
        } catch {
            guard deleting else { throw error }
            DeleteConfig.report(plugin: type.isEmpty ? "plugin" : type, error.description)
        }
        self.json = obj
        self.raw = bytes
        self.name = name
        self.type = type
        self.version = parsed
        self.versionString = versionString.isEmpty ? "0.1.0" : versionString
    }

    /// `runtimeConfig` and `args` (their types are checked when the config is read).
    package var runtimeConfig: JSONObject? { json.field("runtimeConfig")?.objectValue }
    package var args: JSONObject? { json.field("args")?.objectValue }


    /// `args.cni.<key>`.
    package func cniArg(_ key: String) -> JSONValue? {
        args?.field("cni")?.objectValue?.field(key)
    }

    /// The previous plugin's result, up-converted; a `prevResult` without `cniVersion`
    /// takes the config's version, as libcni does.
    package func previousResult() throws(CNIError) -> CNIResult? {
        guard let v = json.field("prevResult"), !v.isNull else { return nil }
        guard var o = v.objectValue else {
            throw CNIError(code: CNIError.decodingFailure, "could not parse prevResult: expected an object")
        }
        if o.field("cniVersion") == nil { o["cniVersion"] = .string(versionString) }
        return try CNIResult(parsing: .object(o))
    }

    /// GC: the attachments still in use (`cni.dev/valid-attachments`, or the historic `cni.dev/attachments`).
    package func validAttachments() throws(CNIError) -> [Attachment]? {
        let list = json.field("cni.dev/valid-attachments") ?? json.field("cni.dev/attachments")
        guard let list, !list.isNull else { return nil }
        guard let arr = list.arrayValue else {
            throw CNIError.invalidConfig("cni.dev/valid-attachments must be an array")
        }
        var out: [Attachment] = []
        for item in arr {
            guard let o = item.objectValue, let id = try o.string("containerID"), let ifname = try o.string("ifname") else {
                throw CNIError.invalidConfig("invalid entry in cni.dev/valid-attachments", details: item.description)
            }
            out.append(Attachment(containerID: id, ifname: ifname))
        }
        return out
    }
}

extension NetworkConfig {
    /// The key (or `value`) of the first string holding a NUL: no CNI field can use one, and a
    /// path cut at a NUL by the C library would name another file.
    static func firstNULString(_ value: JSONValue, key: String = "value") -> String? {
        switch value {
        case .string(let s): return s.utf8.contains(0) ? key : nil
        case .array(let a): return a.lazy.compactMap { firstNULString($0, key: key) }.first
        case .object(let o):
            for (k, v) in o {
                if k.utf8.contains(0) { return "key" }
                if let found = firstNULString(v, key: k) { return found }
            }
            return nil
        default: return nil
        }
    }
}

/// A container's interface on a network: what host-local and the firewall rules are keyed by.
package struct Attachment: Hashable, Sendable {
    package let containerID: String
    package let ifname: String

    package init(containerID: String, ifname: String) {
        self.containerID = containerID
        self.ifname = ifname
    }
}
