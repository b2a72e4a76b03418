import CNIValues
import HostLocalStore

/// flannel's saved delegate config, `<dataDir>/<containerID>` (flannel-io/cni-plugin:flannel.go,
/// `saveScratchNetConf`): the exact JSON that DEL hands to the delegate plugin.
public struct SavedFlannelConfig: Sendable, Equatable {
    public var containerID: String
    public var path: String
    /// The delegate plugin type (`bridge`).
    public var type: String?
    /// The network name (the host-local store directory's name).
    public var network: String?
    /// `ipam.type` (`host-local`).
    public var ipamType: String?
    /// `ipam.dataDir`, when set (empty or absent: host-local's default, `StoreLayout.defaultDataDir`).
    public var ipamDataDir: String?
    public var ipMasq: Bool?
    /// The subnets of `ipam.ranges`.
    public var subnets: [IPNetwork]
    /// Why the file could not be used, when it cannot.
    public var error: String?

    public init(containerID: String, path: String, type: String? = "bridge", network: String? = nil,
                ipamType: String? = "host-local", ipamDataDir: String? = nil, ipMasq: Bool? = nil,
                subnets: [IPNetwork] = [], error: String? = nil) {
        self.containerID = containerID
        self.path = path
        self.type = type
        self.network = network
        self.ipamType = ipamType
        self.ipamDataDir = ipamDataDir
        self.ipMasq = ipMasq
        self.subnets = subnets
        self.error = error
    }

    /// Parses the saved bytes; a file that is not a JSON object keeps `error` set.
    public init(containerID: String, path: String, bytes: [UInt8]) {
        self.init(containerID: containerID, path: path, type: nil, ipamType: nil)
        if bytes.isEmpty {
            error = "empty file"
            return
        }
        guard let object = (try? JSONParser.parse(bytes))?.objectValue else {
            error = "not a JSON object"
            return
        }
        type = object["type"]?.stringValue
        network = object["name"]?.stringValue
        ipMasq = object["ipMasq"]?.boolValue
        if let ipam = object["ipam"]?.objectValue {
            ipamType = ipam["type"]?.stringValue
            ipamDataDir = ipam["dataDir"]?.stringValue
            for set in ipam["ranges"]?.arrayValue ?? [] {
                for range in set.arrayValue ?? [] {
                    if let s = range["subnet"]?.stringValue.flatMap({ IPNetwork($0) }) { subnets.append(s) }
                }
            }
        }
        if type == nil || (type ?? "").isEmpty { error = "no delegate \"type\"" }
    }

    /// The host-local store directory this config's DEL releases addresses from.
    public var storeDirectory: String? {
        guard ipamType == "host-local", let network else { return nil }
        return try? StoreLayout.storeDirectory(dataDir: ipamDataDir, network: network)
    }
}
