/// Where the node's own tools (iptables, iptables-restore/-save, ip6tables*, nft) are found:
/// `PATH` first, so distributions that ship their own bundled iptables first on `PATH` (k3s,
/// rke2) are used, then the usual system directories for runtimes that exec plugins with an
/// empty or minimal `PATH`.
public enum SystemTool {
    /// The directories searched after `PATH`.
    public static let fallbackDirectories = "/usr/sbin:/sbin:/usr/bin:/bin"

    /// `PATH` of this process followed by `fallbackDirectories`.
    public static var searchPath: String {
        let path = ProcessEnvironment.current()["PATH"] ?? ""
        return path.isEmpty ? fallbackDirectories : path + ":" + fallbackDirectories
    }

    /// The executable `name` (a bare name) in `searchPath`, or nil.
    public static func find(_ name: String) -> String? {
        Subprocess.findExecutable(name, searchPath: searchPath)
    }
}
