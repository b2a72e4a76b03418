import CNIProtocol

/// The node's CNI installation as the runtime meets it before any pod exists: the config
/// directory, the plugins the selected network runs, flannel's lease, and the leftovers of libcni
/// and of interrupted writes. Pure data, gathered by `InstallCollector`, judged by `InstallFinder`.
struct InstallSnapshot: Sendable, Equatable {
    var selection: ConfigSelection
    /// The plugin directories searched (CNI_PATH, colon-separated).
    var cniPath: String = CNIDefaults.pluginDirectory
    var plugins: [PluginCheck] = []
    /// The build-id of this cni-inspect (the suite binary), to tell which build the plugins are.
    var inspectorBuildID: String?
    var lease: LeaseCheck
    /// libcni's cache directory (`<dir>/results/...`).
    var cacheDirectory: String = CNIDefaults.cacheDirectory
    var cachedResults: [CachedResult] = []
    var tempFiles: [TempFile] = []

    /// The network whose plugins are checked: the selected one, else (it is broken) the one meant
    /// to be used, so that removing the broken file does not reveal the next problem only then.
    var checkedNetwork: NetConfList? { selection.network ?? selection.intended?.network }

    /// flannel's lease matters unless the network the runtime runs has no flannel plugin.
    var leaseNeeded: Bool { checkedNetwork.map { $0.flannel != nil } ?? true }

    /// The plugins an ADD runs: those of `checkedNetwork`, then the `loopback` containerd runs
    /// itself for every pod's `lo` (go-cni `WithLoNetwork`).
    static func neededExecutables(_ network: NetConfList?) -> [(type: String, neededBy: String)] {
        var out = network?.executables ?? []
        if !out.contains(where: { $0.type == "loopback" }) { out.append(("loopback", "containerd (every pod's lo)")) }
        return out
    }
}

extension InspectOptions {
    /// These options with the state paths the network's flannel entry sets (`subnetFile`,
    /// `dataDir`, `ipam.dataDir`) where the command line gave none: the node is explained from
    /// the files its plugins actually use.
    func following(_ network: NetConfList?) -> InspectOptions {
        guard let flannel = network?.flannel else { return self }
        var o = self
        if !given.contains("--subnet-file"), let v = flannel.subnetFile, !v.isEmpty { o.subnetFile = v }
        if !given.contains("--flannel-dir"), let v = flannel.dataDir, !v.isEmpty { o.flannelDirectory = v }
        if !given.contains("--ipam-dir"), let v = flannel.ipamDataDir, !v.isEmpty { o.ipamDirectory = v }
        return o
    }
}
