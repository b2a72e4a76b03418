import CNIValues

/// One entry of libcni's result cache, `<cacheDir>/results/<network>-<containerID>-<ifname>`,
/// which the runtime writes after ADD and removes after DEL (pure; `InstallCollector` reads it).
struct CachedResult: Sendable, Equatable {
    var path: String
    var network: String?
    var containerID: String?
    var ifname: String?
    /// The pod netns path the ADD ran in.
    var netns: String?
    /// Whether `netns` still exists (nil when the entry names none).
    var netnsExists: Bool?
    /// Set when the file is not a cache entry libcni could read.
    var error: String?

    init(path: String, network: String? = nil, containerID: String? = nil, ifname: String? = nil,
                netns: String? = nil, netnsExists: Bool? = nil, error: String? = nil) {
        self.path = path
        self.network = network
        self.containerID = containerID
        self.ifname = ifname
        self.netns = netns
        self.netnsExists = netnsExists
        self.error = error
    }

    /// Parses the entry (`{"kind":"cniCacheV1","containerId":...,"ifName":...,"networkName":...,"netns":...}`).
    init(path: String, bytes: [UInt8]) {
        self.path = path
        guard let o = (try? JSONParser.parse(bytes))?.objectValue else {
            error = "not JSON"
            return
        }
        containerID = o["containerId"]?.stringValue
        ifname = o["ifName"]?.stringValue
        network = o["networkName"]?.stringValue
        netns = o["netns"]?.stringValue
        if o["kind"]?.stringValue != "cniCacheV1" { error = "kind is not cniCacheV1" }
        if containerID == nil { error = "no containerId" }
    }
}
