/// Where the node's own tools (iptables, iptables-restore/-save, ip6tables*, nft) are found:
/// `PATH` first, so distributions that ship their own bundled iptables first on `PATH` (k3s,
/// rke2) are used, then the usual system directories for runtimes that exec plugins with an
/// empty or minimal `PATH`.
public enum SystemTool {
    /// The directories searched after `PATH`.
    public static let fallbackDirectories = "/usr/sbin:/sbin:/usr/bin:/bin"

    /// `path` (a `PATH` value) followed by `fallbackDirectories`.
    public static func searchPath(path: String?) -> String {
        guard let path, !path.isEmpty else { return fallbackDirectories }
        return path + ":" + fallbackDirectories
    }

    /// This process's `PATH` followed by `fallbackDirectories`, read from the environment once.
    public static let searchPath = searchPath(path: ProcessEnvironment.current()["PATH"])

    /// The executable `name` (a bare name) in `searchPath`, or nil.
    public static func find(_ name: String, searchPath: String = SystemTool.searchPath) -> String? {
        Program.findExecutable(name, searchPath: searchPath)
    }
}
