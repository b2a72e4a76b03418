/// A CNI node's default paths and names, defined once for the plugins, cni-exec and cni-inspect.
package enum CNIDefaults {
    /// Where runtimes look for plugin binaries (`CNI_PATH`).
    package static let pluginDirectory = "/opt/cni/bin"
    /// Where runtimes read network configuration files.
    package static let configDirectory = "/etc/cni/net.d"
    /// libcni's state directory (its `results` cache; `CNI_CACHE_DIR`).
    package static let cacheDirectory = "/var/lib/cni"
    /// The bridge plugin's bridge when `bridge` is not set.
    package static let bridgeName = "cni0"
}
