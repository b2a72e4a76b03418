/// Which network config the runtime loads from the config directory (pure).
///
/// containerd (`containerd/go-cni` `loadFromConfDir` with `max_conf_num = 1`, its default) takes
/// libcni's `ConfFiles(dir, [".conf", ".conflist", ".json"])` (regular entries, exact extension),
/// sorts the paths bytewise and loads only the first. It does not skip a file that fails to
/// load: the error makes the CRI report `NetworkReady=false` ("cni plugin not initialized") and
/// every later file — the intended one included — goes unread. CRI-O (ocicni) and kubelet's old
/// dockershim instead log the failure and take the next file that parses.
struct ConfigSelection: Sendable, Equatable {
    var directory: String
    /// Set when the directory cannot be listed (a missing directory is just empty, as for libcni).
    var listError: String?
    /// The candidates, in the runtime's order.
    var files: [NetConfFile]
    /// Entries libcni does not read (other extensions, directories), for the report.
    var ignored: [String]

    init(directory: String, listError: String? = nil, files: [NetConfFile] = [], ignored: [String] = []) {
        self.directory = directory
        self.listError = listError
        self.files = files.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        self.ignored = ignored.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The file containerd loads.
    var selected: NetConfFile? { files.first }

    /// The network the runtime runs for pods: the selected file's, when it parses.
    var network: NetConfList? { selected?.network }

    /// The file CRI-O or the dockershim would use: the first that parses.
    var firstValid: NetConfFile? { files.first { $0.network != nil } }

    /// The file meant for this suite: the first whose list runs flannel, else the first that parses.
    var intended: NetConfFile? {
        files.first { $0.network?.flannel != nil } ?? firstValid
    }
}
