import CNIValues

/// One plugin's network configuration from stdin, kept as a faithful JSON object so unknown
/// keys, `args` and `runtimeConfig` reach delegates untouched.
public struct NetworkConfig: Sendable {
    public let json: JSONObject
    /// The exact bytes read from stdin.
    public let raw: [UInt8]
    public let name: String
    public let type: String
    /// The declared version; a config without `cniVersion` is 0.1.0, as in the Go library.
    public let version: CNIVersion
    public let versionString: String

    public init(bytes: [UInt8]) throws(CNIError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(code: CNIError.decodingFailure, "error unmarshall network config: \(error)")
        }
        guard let obj = value.objectValue else {
            throw CNIError(code: CNIError.decodingFailure,
                           "error unmarshall network config: expected an object, got \(value.typeName)")
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
        self.json = obj
        self.raw = bytes
        self.name = name
        self.type = (try? obj.string("type")) ?? ""
        self.version = parsed
        self.versionString = versionString.isEmpty ? "0.1.0" : versionString
    }

    public var runtimeConfig: JSONObject? { try? json.object("runtimeConfig") }
    public var args: JSONObject? { try? json.object("args") }

    /// `args.cni.<key>`.
    public func cniArg(_ key: String) -> JSONValue? {
        args?["cni"]?.objectValue?[key]
    }

    /// The previous plugin's result, up-converted; a `prevResult` without `cniVersion`
    /// takes the config's version, as libcni does.
    public func previousResult() throws(CNIError) -> CNIResult? {
        guard let v = json["prevResult"], !v.isNull else { return nil }
        guard var o = v.objectValue else {
            throw CNIError(code: CNIError.decodingFailure, "could not parse prevResult: expected an object")
        }
        if o["cniVersion"] == nil { o["cniVersion"] = .string(versionString) }
        return try CNIResult(parsing: .object(o))
    }

    /// GC: the attachments still in use (`cni.dev/valid-attachments`, or the historic `cni.dev/attachments`).
    public func validAttachments() throws(CNIError) -> [Attachment]? {
        let list = json["cni.dev/valid-attachments"] ?? json["cni.dev/attachments"]
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

/// A container's interface on a network: what host-local and the firewall rules are keyed by.
public struct Attachment: Hashable, Sendable {
    public let containerID: String
    public let ifname: String

    public init(containerID: String, ifname: String) {
        self.containerID = containerID
        self.ifname = ifname
    }
}
