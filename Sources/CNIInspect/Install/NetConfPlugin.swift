import CNIValues

/// One plugin entry: the keys that decide which executables run and where flannel keeps state.
struct NetConfPlugin: Sendable, Equatable {
    var type: String
    /// `ipam.type` (for flannel: the delegate's IPAM).
    var ipamType: String?
    /// flannel: `delegate.type`.
    var delegateType: String?
    /// flannel: `subnetFile`, `dataDir`, `ipam.dataDir`.
    var subnetFile: String?
    var dataDir: String?
    var ipamDataDir: String?

    init(type: String, ipamType: String? = nil, delegateType: String? = nil, subnetFile: String? = nil,
                dataDir: String? = nil, ipamDataDir: String? = nil) {
        self.type = type
        self.ipamType = ipamType
        self.delegateType = delegateType
        self.subnetFile = subnetFile
        self.dataDir = dataDir
        self.ipamDataDir = ipamDataDir
    }

    init?(_ o: JSONObject) {
        guard let type = o["type"]?.stringValue, !type.isEmpty else { return nil }
        self.type = type
        let ipam = o["ipam"]?.objectValue
        ipamType = ipam?["type"]?.stringValue
        ipamDataDir = ipam?["dataDir"]?.stringValue
        delegateType = o["delegate"]?.objectValue?["type"]?.stringValue
        subnetFile = o["subnetFile"]?.stringValue
        dataDir = o["dataDir"]?.stringValue
    }
}
