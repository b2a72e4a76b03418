import CNIProtocol
import CNIValues
import FlannelSubnet

/// The flannel plugin's own configuration (flannel-io/cni-plugin `NetConf`):
///
///     {"name": "cbr0", "cniVersion": "0.3.1", "type": "flannel",
///      "subnetFile": "/run/flannel/subnet.env", "dataDir": "/var/lib/cni/flannel",
///      "delegate": {"hairpinMode": true, "isDefaultGateway": true},
///      "ipam": {"dataDir": "/var/lib/cni/networks"}}
///
/// Every other key (`dns`, `prevResult`, ...) is ignored, as in the reference. Unlike the
/// reference, `args` is forwarded to the delegate together with `runtimeConfig`, and empty
/// `subnetFile` / `dataDir` values are rejected up front.
public struct FlannelConfig: Sendable {
    public static let defaultSubnetFile = FlannelDefaults.subnetFile
    public static let defaultDataDir = FlannelDefaults.dataDirectory

    public let name: String
    /// The declared `cniVersion`; nil when absent or empty (then the delegate gets none).
    public let cniVersion: String?
    public let subnetFile: String
    public let dataDir: String
    /// `delegate` as given (`{}` when absent); see `validateDelegate()`.
    public let delegate: JSONObject
    /// `ipam`: the base of the delegate's IPAM section.
    public let ipam: JSONObject?
    public let runtimeConfig: JSONObject?
    public let args: JSONValue?
    /// `releaseOnReboot` (default true): saved configs belong to the boot that saved them and the
    /// first ADD after a reboot drops those of earlier boots (host-local's key of the same name,
    /// in `ipam`, does the same for its reservations). false keeps them, fsynced, across reboots.
    public let releaseOnReboot: Bool

    /// Decodes the keys flannel reads; a value of the wrong type is a code-7 error naming it.
    public init(json: JSONObject) throws(CNIError) {
        name = try json.string("name") ?? ""
        let version = try json.string("cniVersion") ?? ""
        cniVersion = version.isEmpty ? nil : version
        subnetFile = try json.string("subnetFile") ?? FlannelConfig.defaultSubnetFile
        dataDir = try json.string("dataDir") ?? FlannelConfig.defaultDataDir
        delegate = try json.object("delegate") ?? JSONObject()
        ipam = try json.object("ipam")
        runtimeConfig = try json.object("runtimeConfig")
        if let a = json.field("args"), !a.isNull { args = a } else { args = nil }
        releaseOnReboot = try json.bool("releaseOnReboot") ?? true
        guard !subnetFile.isEmpty else {
            throw CNIError.invalidConfig("invalid network config: \"subnetFile\" must not be empty")
        }
        guard !dataDir.isEmpty else {
            throw CNIError.invalidConfig("invalid network config: \"dataDir\" must not be empty")
        }
    }

    public init(_ config: NetworkConfig) throws(CNIError) {
        try self.init(json: config.json)
    }

    /// What DEL needs: only where the saved delegate configs are (a wrongly typed or empty
    /// `dataDir` counts as absent); DEL replays the saved config and reads nothing else.
    public init(deleting json: JSONObject) {
        name = (try? json.string("name")) ?? ""
        cniVersion = nil
        subnetFile = FlannelConfig.defaultSubnetFile
        let dir = (try? json.string("dataDir")) ?? ""
        dataDir = dir.isEmpty ? FlannelConfig.defaultDataDir : dir
        delegate = JSONObject()
        ipam = nil
        runtimeConfig = nil
        args = nil
        releaseOnReboot = true  // not read by DEL
    }

    /// The reference's rules for `delegate` (same messages): `type`, when present, is a
    /// non-empty string; `name` and `ipam` are set by flannel and must not be given.
    public func validateDelegate() throws(CNIError) {
        if let t = delegate["type"] {
            guard let s = t.stringValue, !s.isEmpty else {
                throw CNIError.invalidConfig("'delegate' dictionary, if present, must have (string) 'type' field")
            }
        }
        if delegate["name"] != nil {
            throw CNIError.invalidConfig("'delegate' dictionary must not have 'name' field, it'll be set by flannel")
        }
        if delegate["ipam"] != nil {
            throw CNIError.invalidConfig("'delegate' dictionary must not have 'ipam' field, it'll be set by flannel")
        }
    }
}
