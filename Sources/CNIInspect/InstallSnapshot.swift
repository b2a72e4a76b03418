import CNIProtocol

/// The node's CNI installation as the runtime meets it before any pod exists: the config
/// directory, the plugins the selected network runs, flannel's lease, and the leftovers of libcni
/// and of interrupted writes. Pure data, gathered by `InstallCollector`, judged by `InstallFinder`.
public struct InstallSnapshot: Sendable, Equatable {
    public var selection: ConfigSelection
    /// The plugin directories searched (CNI_PATH, colon-separated).
    public var cniPath: String
    public var plugins: [PluginCheck]
    /// The build-id of this cni-inspect (the suite binary), to tell which build the plugins are.
    public var inspectorBuildID: String?
    public var lease: LeaseCheck
    /// libcni's cache directory (`<dir>/results/...`).
    public var cacheDirectory: String
    public var cachedResults: [CachedResult]
    public var tempFiles: [TempFile]

    public init(selection: ConfigSelection, cniPath: String = CNIDefaults.pluginDirectory, plugins: [PluginCheck] = [],
                inspectorBuildID: String? = nil, lease: LeaseCheck, cacheDirectory: String = CNIDefaults.cacheDirectory,
                cachedResults: [CachedResult] = [], tempFiles: [TempFile] = []) {
        self.selection = selection
        self.cniPath = cniPath
        self.plugins = plugins
        self.inspectorBuildID = inspectorBuildID
        self.lease = lease
        self.cacheDirectory = cacheDirectory
        self.cachedResults = cachedResults
        self.tempFiles = tempFiles
    }

    /// The network whose plugins are checked: the selected one, else (it is broken) the one meant
    /// to be used, so that removing the broken file does not reveal the next problem only then.
    public var checkedNetwork: NetConfList? { selection.network ?? selection.intended?.network }

    /// flannel's lease matters unless the network the runtime runs has no flannel plugin.
    public var leaseNeeded: Bool { checkedNetwork.map { $0.flannel != nil } ?? true }

    /// The plugins an ADD runs: those of `checkedNetwork`, then the `loopback` containerd runs
    /// itself for every pod's `lo` (go-cni `WithLoNetwork`).
    public static func neededExecutables(_ network: NetConfList?) -> [(type: String, neededBy: String)] {
        var out = network?.executables ?? []
        if !out.contains(where: { $0.type == "loopback" }) { out.append(("loopback", "containerd (every pod's lo)")) }
        return out
    }
}

extension InspectOptions {
    /// These options with the state paths the network's flannel entry sets (`subnetFile`,
    /// `dataDir`, `ipam.dataDir`) where the command line gave none: the node is explained from
    /// the files its plugins actually use.
    public func following(_ network: NetConfList?) -> InspectOptions {
        guard let flannel = network?.flannel else { return self }
        var o = self
        if !given.contains("--subnet-file"), let v = flannel.subnetFile, !v.isEmpty { o.subnetFile = v }
        if !given.contains("--flannel-dir"), let v = flannel.dataDir, !v.isEmpty { o.flannelDirectory = v }
        if !given.contains("--ipam-dir"), let v = flannel.ipamDataDir, !v.isEmpty { o.ipamDirectory = v }
        return o
    }
}
