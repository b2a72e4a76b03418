/// What one plugin implements. The dispatcher (`PluginMain`) has already validated the
/// environment and config, so implementations start from clean inputs.
public protocol CNIPlugin: Sendable {
    /// The plugin's file name (`bridge`, `host-local`, ...).
    var name: String { get }
    /// `CNI_ARGS` keys the plugin understands (others fail unless `IgnoreUnknown=1`).
    var knownArgs: Set<String> { get }
    /// ADD: sets the attachment up and returns its result.
    func add(_ context: PluginContext) throws -> CNIResult
    /// DEL: undoes ADD, tolerant and repeatable. Also runs when `context.netnsIsPluginsOwn`
    /// (`CNI_NETNS` is the plugin's own netns): then it releases host-side state only, which a DEL
    /// that enters the pod only through `openNetnsIfPresent()` does by itself; `PluginMain` then
    /// reports code 8. (ADD and CHECK are never called in that case.)
    func del(_ context: PluginContext) throws
    func check(_ context: PluginContext) throws
    func gc(_ context: PluginContext) throws
    func status(_ context: PluginContext) throws
}

extension CNIPlugin {
    public var knownArgs: Set<String> { [] }
    public func gc(_ context: PluginContext) throws {}
    public func status(_ context: PluginContext) throws {}
}

/// Everything one invocation knows.
public struct PluginContext: Sendable {
    public let environment: CNIEnvironment
    public let config: NetworkConfig
    public let delegator: Delegator
    /// What `CNI_NETNS` names (`PluginMain` checks it before the plugin runs): when it is the
    /// plugin's own namespace, only DEL runs, and it acts on the host side only.
    package let podNetns: PodNetns

    public init(environment: CNIEnvironment, config: NetworkConfig, delegator: Delegator) {
        self.init(environment: environment, config: config, delegator: delegator,
                  podNetns: PodNetns(unchecked: environment.netns))
    }

    package init(environment: CNIEnvironment, config: NetworkConfig, delegator: Delegator, podNetns: PodNetns) {
        self.environment = environment
        self.config = config
        self.delegator = delegator
        self.podNetns = podNetns
    }

    public var command: CNICommand { environment.command }
    public var containerID: String { environment.containerID }
    public var ifname: String { environment.ifname }
    public var netns: String { environment.netns }
    /// True when `CNI_NETNS` is the plugin's own network namespace. A DEL then releases what lives
    /// on the host side (IP reservations, rules, saved configs, host-side devices) and touches
    /// nothing in that namespace; `PluginMain` reports code 8 after it. A DEL that never opens
    /// `CNI_NETNS` needs no test of its own; `openNetns()` refuses and `openNetnsIfPresent()`
    /// answers nil in this case.
    package var netnsIsPluginsOwn: Bool { podNetns.isPluginsOwn }
    public var attachment: Attachment { Attachment(containerID: containerID, ifname: ifname) }
}
