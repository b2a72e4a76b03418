import CNISystem

extension PluginContext {
    /// The pod's network namespace (`CNI_NETNS`), failing with the reference's text
    /// (`failed to open netns "<path>": <reason>`, containernetworking/plugins:plugins/main/bridge/bridge.go).
    public func openNetns() throws(CNIError) -> NetworkNamespace {
        do {
            return try NetworkNamespace(path: netns)
        } catch {
            throw CNIError.internalFailure("failed to open netns \"\(netns)\": \(error)")
        }
    }

    /// DEL's variant: nil when `CNI_NETNS` is empty or the namespace is already gone (ENOENT),
    /// since there is then nothing inside it to undo. Other failures throw as `openNetns()` does.
    public func openNetnsIfPresent() throws(CNIError) -> NetworkNamespace? {
        guard !netns.isEmpty else { return nil }
        do {
            return try NetworkNamespace(path: netns)
        } catch where error.errno == .noSuchFileOrDirectory {
            return nil
        } catch {
            throw CNIError.internalFailure("failed to open netns \"\(netns)\": \(error)")
        }
    }
}
