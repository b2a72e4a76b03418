import CNISystem

extension PluginContext {
    /// The pod's network namespace (`CNI_NETNS`), failing with the reference's text
    /// (`failed to open netns "<path>": <reason>`, containernetworking/plugins:plugins/main/bridge/bridge.go).
    /// The plugin's own namespace is refused with the self-check's code 8.
    public func openNetns() throws(CNIError) -> NetworkNamespace {
        if podNetns.isPluginsOwn { throw NetnsSelfCheck.error }
        do {
            return try NetworkNamespace(path: netns)
        } catch {
            throw CNIError.internalFailure("failed to open netns \"\(netns)\": \(error)")
        }
    }

    /// DEL's variant: nil when `CNI_NETNS` is empty or the namespace is already gone (ENOENT),
    /// since there is then nothing inside it to undo, and when it is the plugin's own namespace
    /// (nothing of a pod is in there; the DEL does its host-side part only). Other failures throw
    /// as `openNetns()` does.
    public func openNetnsIfPresent() throws(CNIError) -> NetworkNamespace? {
        guard !netns.isEmpty, !podNetns.isPluginsOwn else { return nil }
        do {
            return try NetworkNamespace(path: netns)
        } catch where error.errno == .noSuchFileOrDirectory {
            return nil
        } catch {
            throw CNIError.internalFailure("failed to open netns \"\(netns)\": \(error)")
        }
    }
}
