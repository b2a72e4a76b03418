import CNISystem

/// What `CNI_NETNS` names, as far as a plugin may act on it. `PluginMain` decides it once per
/// invocation, before the plugin runs (`NetnsSelfCheck`), and every plugin reads it from its
/// context.
package enum PodNetns: Equatable, Sendable {
    /// `CNI_NETNS` is empty (a DEL after the pod's netns is gone, GC, STATUS).
    case absent
    /// A path to open as the pod's namespace. It may have vanished or not be a namespace at all:
    /// opening it tells (`PluginContext.openNetns`, `openNetnsIfPresent`).
    case pod(String)
    /// The plugin's own network namespace (a DEL queued until `/proc/<pid>/ns/net` belonged to a
    /// host process, a mistaken `ip netns exec`). Nothing may be done inside it: ADD and CHECK are
    /// refused before the plugin runs; DEL runs, releases only what lives on the host side (IP
    /// reservations, masquerade and hostPort rules, saved configs, a host-side ifb), and then
    /// reports `NetnsSelfCheck.error`.
    case pluginsOwn(String)

    /// What an invocation gets when nobody checked (in-process construction in tests).
    package init(unchecked path: String) {
        self = path.isEmpty ? .absent : .pod(path)
    }

    package var isPluginsOwn: Bool {
        if case .pluginsOwn = self { return true }
        return false
    }
}

/// The reference's check of `CNI_NETNS` against the plugin's own network namespace (cni ≥ 1.2
/// skel: `plugin's netns and netns from CNI_NETNS should not be the same`, code 8), done before
/// the plugin acts rather than after.
package enum NetnsSelfCheck {
    /// The reference's `ErrInvalidNetNS` (not in the SPEC table).
    package static let code = 8
    package static let message = "plugin's netns and netns from CNI_NETNS should not be the same"
    package static let unreadableOwnMessage = "get plugin's netns failed"
    /// `1`, or `true` in any case, skips the check (the reference's rule); passed on to delegates.
    package static let overrideVariable = "CNI_NETNS_OVERRIDE"

    package static var error: CNIError { CNIError(code: code, message) }

    /// Whether `CNI_NETNS_OVERRIDE` skips the check: `1` or `true` in any case, nothing else
    /// (`yes`, `on`, ` 1` do not).
    package static func isOverridden(_ value: String?) -> Bool {
        guard let value else { return false }
        return value == "1" || value.uppercased() == "TRUE"
    }

    /// Classifies `path` from identities already read (pure). `target`: the identity of the file
    /// at `path`, nil when there is none (empty, vanished: today's behaviour, the plugin's own
    /// open reports it). `own`: the plugin's namespace, nil when it could not be read.
    package static func classify(path: String, overridden: Bool, target: NamespaceIdentity?,
                                 own: NamespaceIdentity?) throws(CNIError) -> PodNetns {
        guard !path.isEmpty else { return .absent }
        guard !overridden, let target else { return .pod(path) }
        guard let own else { throw CNIError(code: code, unreadableOwnMessage) }
        return target == own ? .pluginsOwn(path) : .pod(path)
    }

    /// Classifies the invocation's `CNI_NETNS` by its identity (stat: never opened, never entered).
    package static func classify(_ environment: CNIEnvironment, own: NamespaceIdentity?) throws(CNIError) -> PodNetns {
        let path = environment.netns
        let overridden = isOverridden(environment.variables[overrideVariable])
        guard !path.isEmpty, !overridden else { return try classify(path: path, overridden: overridden, target: nil, own: own) }
        return try classify(path: path, overridden: false, target: try? NamespaceIdentity.of(path: path), own: own)
    }
}

/// The network namespace this process started in, recorded before anything can `setns`: the
/// identity every check of this process (its plugin and the plugins it runs in-process:
/// flannel's delegates, cni-exec's chain) compares `CNI_NETNS` with.
package enum ProcessNetns {
    nonisolated(unsafe) private static var recorded: NamespaceIdentity?? = nil

    /// Records the calling thread's namespace; the multicall main calls it first thing. Later calls
    /// keep the first record.
    package static func record() {
        guard recorded == nil else { return }
        recorded = .some(try? NamespaceIdentity.currentThreadNetwork())
    }

    /// The recorded identity (nil when it could not be read). Without a record (a plugin executed
    /// in-process by a test), the calling thread's namespace now.
    package static var original: NamespaceIdentity? {
        if let recorded { return recorded }
        return try? NamespaceIdentity.currentThreadNetwork()
    }
}
