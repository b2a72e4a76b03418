import CNIProtocol
import CNIValues

/// One cleanup action, rendered as the exact shell command a person would type, and executed by
/// `CleanupExecutor` without a shell.
public enum CleanupStep: Sendable, Equatable {
    /// The delegate plugin's DEL (bridge → host-local) with flannel's saved config on stdin,
    /// `CNI_NETNS` empty: releases the IPs (and masquerade rules) exactly as flannel's DEL would.
    case pluginDel(type: String, containerID: String, ifname: String, configPath: String)
    /// `rm -f <path>` (a saved flannel config).
    case removeFile(path: String)
    /// A host-local reservation removed under the store's lock, only while it still belongs to
    /// `containerID` (a new pod may have got the address meanwhile).
    case releaseIP(path: String, lockPath: String, containerID: String)
    /// One `iptables-restore --noflush` batch (`ip6tables-restore` when `ipv6`).
    case iptablesRestore(ipv6: Bool, text: String)
    /// One `nft -f -` batch.
    case nft(text: String)
    /// `ip link del <name>` in the node netns.
    case deleteLink(name: String)
    /// The bridge's gateway of an earlier node subnet replaced by the current one (flannel's lease
    /// changed and no pod is attached): `ip addr del` each old one (the kernel drops its routes),
    /// `ip addr add` each new one.
    case replaceAddresses(link: String, remove: [IPNetwork], add: [IPNetwork])

    /// Where commands run: the node netns (nil: here) and the plugin directories.
    public struct Context: Sendable, Equatable {
        public var nodeNetns: String?
        /// CNI_PATH (colon-separated).
        public var cniPath: String
        /// Plugin executables already looked up (type → path); see `pluginPath`.
        public var plugins: [String: String]

        public init(nodeNetns: String? = nil, cniPath: String = CNIDefaults.pluginDirectory, plugins: [String: String] = [:]) {
            self.nodeNetns = nodeNetns
            self.cniPath = cniPath
            self.plugins = plugins
        }

        /// The plugin executable a DEL runs: the looked-up path, else `<first CNI_PATH dir>/<type>`.
        public func pluginPath(_ type: String) -> String {
            if let known = plugins[type] { return known }
            let first = cniPath.split(separator: ":", omittingEmptySubsequences: true).first.map(String.init)
            return "\(first ?? CNIDefaults.pluginDirectory)/\(type)"
        }

        /// `nsenter --net=<path> ` when a node netns was given.
        var enter: String {
            nodeNetns.map { "nsenter --net=\(ShellWords.quote($0)) " } ?? ""
        }
    }

    /// The shell command (several lines for a here-document).
    public func command(in context: Context) -> String {
        switch self {
        case .pluginDel(let type, let id, let ifname, let config):
            let plugin = context.pluginPath(type)
            let env = ["CNI_COMMAND=DEL", "CNI_CONTAINERID=\(ShellWords.quote(id))", "CNI_IFNAME=\(ShellWords.quote(ifname))",
                       "CNI_NETNS=", "CNI_PATH=\(ShellWords.quote(context.cniPath))"].joined(separator: " ")
            return "\(env) \(context.enter)\(ShellWords.quote(plugin)) < \(ShellWords.quote(config))"
        case .removeFile(let path):
            return "rm -f \(ShellWords.quote(path))"
        case .releaseIP(let path, let lock, _):
            return "flock \(ShellWords.quote(lock)) rm -f \(ShellWords.quote(path))"
        case .iptablesRestore(let ipv6, let text):
            let tool = ipv6 ? "ip6tables-restore" : "iptables-restore"
            return "\(context.enter)\(tool) --noflush -w 10 <<'EOF'\n\(text)EOF"
        case .nft(let text):
            return "\(context.enter)nft -f - <<'EOF'\n\(text)EOF"
        case .deleteLink(let name):
            return "\(context.enter)ip link del \(ShellWords.quote(name))"
        case .replaceAddresses(let link, let remove, let add):
            let dev = ShellWords.quote(link)
            return (remove.map { "\(context.enter)ip addr del \($0) dev \(dev)" }
                + add.map { "\(context.enter)ip addr add \($0) dev \(dev)" }).joined(separator: "\n")
        }
    }
}
