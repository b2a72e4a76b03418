/// A CNI node's default paths and names, defined once for the plugins, cni-exec and cni-inspect.
public enum CNIDefaults {
    /// Where runtimes look for plugin binaries (`CNI_PATH`).
    public static let pluginDirectory = "/opt/cni/bin"
    /// Where runtimes read network configuration files.
    public static let configDirectory = "/etc/cni/net.d"
    /// libcni's state directory (its `results` cache; `CNI_CACHE_DIR`).
    public static let cacheDirectory = "/var/lib/cni"
    /// The bridge plugin's bridge when `bridge` is not set.
    public static let bridgeName = "cni0"
}
