import CNIProtocol

/// Placeholder until the plugin lands: every verb fails cleanly.
public struct BridgePlugin: CNIPlugin {
    public let name = "bridge"

    public init() {}

    public func add(_ context: PluginContext) throws -> CNIResult { throw notYet }
    public func del(_ context: PluginContext) throws { throw notYet }
    public func check(_ context: PluginContext) throws { throw notYet }

    private var notYet: CNIError { CNIError.internalFailure("the bridge plugin is not implemented yet") }
}
