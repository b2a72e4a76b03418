import CNISystem
import CNIValues

/// Runs another plugin (IPAM, flannel's delegate) found by type in `CNI_PATH`, with this
/// invocation's environment and the given config on stdin.
///
/// When the plugin found is the same build as this executable (same ELF build-id: the suite
/// installs one multicall binary, copied under every name) and the type is registered, it
/// runs in-process: same inputs, same outputs, one exec fewer. Anything else found there (the
/// reference host-local, another build of ours) is exec'ed.
public struct Delegator: Sendable {
    public let environment: CNIEnvironment
    /// The calling plugin's view of `CNI_NETNS`. When it is the plugin's own namespace, a delegate
    /// of this build releases its host side and answers code 8 like the caller will; DEL takes that
    /// answer as done (the caller reports code 8 itself).
    package let podNetns: PodNetns

    public init(environment: CNIEnvironment) {
        self.init(environment: environment, podNetns: PodNetns(unchecked: environment.netns))
    }

    package init(environment: CNIEnvironment, podNetns: PodNetns) {
        self.environment = environment
        self.podNetns = podNetns
    }

    /// The plugin's path: the first executable `<dir>/<type>` in `CNI_PATH`.
    public func find(_ type: String) throws(CNIError) -> String {
        guard !type.isEmpty else { throw CNIError.invalidConfig("no plugin name provided") }
        guard !type.contains("/") else { throw CNIError.invalidConfig("invalid plugin name: \(type)") }
        guard !environment.pluginPaths.isEmpty else {
            throw CNIError(code: CNIError.invalidEnvironment, "required env variables [CNI_PATH] missing",
                           details: "CNI_PATH is needed to find the \"\(type)\" plugin")
        }
        guard let path = Program.findExecutable(type, searchPath: environment.pluginPaths.joined(separator: ":")) else {
            throw CNIError.internalFailure(
                "failed to find plugin \"\(type)\" in path [\(environment.pluginPaths.joined(separator: " "))]")
        }
        return path
    }

    public func add(type: String, config: [UInt8]) throws -> CNIResult {
        guard let out = try invoke(.add, type: type, config: config) else {
            throw CNIError.internalFailure("plugin \"\(type)\" returned no result")
        }
        return try CNIResult(parsing: out)
    }

    public func del(type: String, config: [UInt8]) throws {
        do {
            _ = try invoke(.del, type: type, config: config)
        } catch let error as CNIError where podNetns.isPluginsOwn && error == NetnsSelfCheck.error {
            // The delegate did its host-side part and refused the rest, as its caller does.
        }
    }
    public func check(type: String, config: [UInt8]) throws { _ = try invoke(.check, type: type, config: config) }
    public func gc(type: String, config: [UInt8]) throws { _ = try invoke(.gc, type: type, config: config) }
    public func status(type: String, config: [UInt8]) throws { _ = try invoke(.status, type: type, config: config) }

    /// Whether `type` runs in this process (found in `CNI_PATH` as this same build): then it
    /// honours `podNetns` exactly as the caller does.
    package func runsInProcess(_ type: String) -> Bool {
        guard PluginRegistry.plugin(named: type) != nil, let path = try? find(type) else { return false }
        return PluginRegistry.isSameBuild(path)
    }

    /// Runs `type` with `CNI_COMMAND` = command. Returns its stdout JSON (nil when empty);
    /// a failing plugin's error JSON is rethrown as the same `CNIError`.
    public func invoke(_ command: CNICommand, type: String, config: [UInt8]) throws -> JSONValue? {
        let path = try find(type)
        var env = environment.variables
        env["CNI_COMMAND"] = command.rawValue
        let outcome: PluginMain.Outcome
        if let plugin = PluginRegistry.plugin(named: type), PluginRegistry.isSameBuild(path) {
            outcome = PluginMain.execute(plugin, environment: env, resultStyle: .compact) { config }
            if !outcome.stderr.isEmpty { StandardIO.write(outcome.stderr, fd: 2) }
        } else {
            let r = try Program.run(path, arguments: [], environment: env.map { "\($0.key)=\($0.value)" }, stdin: config)
            if !r.stderr.isEmpty { StandardIO.write(r.stderr, fd: 2) }
            outcome = PluginMain.Outcome(exitCode: r.exitStatus, stdout: r.stdout, stderr: [])
        }
        let text = outcome.stdout
        let trimmed = text.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
        let parsed: JSONValue? = trimmed.isEmpty ? nil : try? JSONParser.parse(Array(trimmed))
        guard outcome.exitCode == 0 else {
            if let o = parsed?.objectValue, let code = o["code"]?.intValue {
                throw CNIError(code: code, o["msg"]?.stringValue ?? "", details: o["details"]?.stringValue ?? "")
            }
            let shown = String(decoding: text.prefix(4096), as: UTF8.self)
            throw CNIError.internalFailure(shown.isEmpty ? "netplugin failed with no error message: exit status \(outcome.exitCode)"
                                                          : "netplugin failed: \"\(shown)\"")
        }
        if !trimmed.isEmpty && parsed == nil {
            throw CNIError(code: CNIError.decodingFailure, "plugin \"\(type)\" printed output that is not JSON")
        }
        return parsed
    }
}
