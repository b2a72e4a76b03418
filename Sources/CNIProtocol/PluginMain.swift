import CNISystem
import CNIValues

/// The skeleton every plugin's main goes through: env → stdin → config → version checks →
/// plugin function → result or error JSON. `execute` is pure over its inputs so it is tested
/// in-process and reused for in-process delegation; `run` wires the real process.
public enum PluginMain {
    public struct Outcome: Sendable {
        public var exitCode: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Largest accepted stdin config.
    public static let stdinLimit = 16 << 20

    /// Runs the plugin for this process and exits.
    public static func run(_ plugin: any CNIPlugin) -> Never {
        ProcessNetns.record()  // before anything could setns (the multicall main has already)
        let outcome = execute(plugin, environment: ProcessEnvironment.current()) {
            try StandardIO.readAll(fd: 0, limit: stdinLimit)
        }
        if !outcome.stderr.isEmpty { StandardIO.write(outcome.stderr, fd: 2) }
        StandardIO.write(outcome.stdout, fd: 1)
        CurrentProcess.exit(outcome.exitCode)
    }

    /// `resultStyle`: how an ADD result is printed (pretty for a runtime, as the reference does;
    /// compact for an in-process delegation, whose caller parses it straight back).
    public static func execute(_ plugin: any CNIPlugin, environment env: [String: String],
                               resultStyle: JSONSerializer.Style = .pretty,
                               readStdin: () throws -> [UInt8]) -> Outcome {
        execute(plugin, environment: env, resultStyle: resultStyle, ownNetns: ProcessNetns.original, readStdin: readStdin)
    }

    /// `ownNetns`: the plugin's own network namespace, which `CNI_NETNS` must not name
    /// (`NetnsSelfCheck`); the process's original one (`ProcessNetns`) unless a test says otherwise.
    package static func execute(_ plugin: any CNIPlugin, environment env: [String: String],
                                resultStyle: JSONSerializer.Style = .pretty, ownNetns: NamespaceIdentity?,
                                readStdin: () throws -> [UInt8]) -> Outcome {
        let commandText = env["CNI_COMMAND"] ?? ""
        if commandText.isEmpty {
            let about = "CNI \(plugin.name) plugin (swift-cni-plugins)\nCNI protocol versions supported: "
                + CNIVersion.supported.map(\.description).joined(separator: ", ") + "\n"
            return Outcome(exitCode: 0, stdout: [], stderr: Array(about.utf8))
        }
        do {
            guard let command = CNICommand(rawValue: commandText) else {
                throw CNIError(code: CNIError.invalidEnvironment, "unknown CNI_COMMAND: \(commandText)")
            }
            if command == .version {
                return Outcome(exitCode: 0, stdout: Array((versionJSON + "\n").utf8), stderr: [])
            }
            let environment = try CNIEnvironment.parse(env, command: command)
            let stdin: [UInt8]
            do {
                stdin = try readStdin()
            } catch {
                throw CNIError(code: CNIError.ioFailure, "error reading from stdin: \(error)")
            }
            let config = try NetworkConfig(bytes: stdin, deleting: command == .del)
            try checkVersion(config, command: command)
            if command.targetsAttachment { try environment.args.validate(knownKeys: plugin.knownArgs) }
            // The last check, after every input error (the reference's order) and before the
            // plugin acts: the plugin's own netns is never set up, checked or torn down as a pod.
            let podNetns = command.targetsAttachment ? try NetnsSelfCheck.classify(environment, own: ownNetns)
                                                     : PodNetns(unchecked: environment.netns)
            if podNetns.isPluginsOwn && command != .del { throw NetnsSelfCheck.error }
            let context = PluginContext(environment: environment, config: config,
                                        delegator: Delegator(environment: environment, podNetns: podNetns),
                                        podNetns: podNetns)
            switch command {
            case .add:
                let result = try plugin.add(context)
                let json = try result.json(version: config.versionString)
                return Outcome(exitCode: 0, stdout: JSONSerializer.bytes(json, style: resultStyle), stderr: [])
            case .del:
                // Host-side cleanup only (see `PodNetns.pluginsOwn`); its own failure comes first.
                try plugin.del(context)
                if podNetns.isPluginsOwn { throw NetnsSelfCheck.error }
            case .check: try plugin.check(context)
            case .gc: try plugin.gc(context)
            case .status: try plugin.status(context)
            case .version: break
            }
            return Outcome(exitCode: 0, stdout: [], stderr: [])
        } catch {
            let e = CNIError.from(error)
            return Outcome(exitCode: 1, stdout: JSONSerializer.bytes(e.json, style: .pretty), stderr: [])
        }
    }

    static var versionJSON: String {
        let v: JSONValue = .object(JSONObject([
            ("cniVersion", .string(CNIVersion.current.description)),
            ("supportedVersions", .array(CNIVersion.supported.map { .string($0.description) })),
        ]))
        return JSONSerializer.string(v)
    }

    static func checkVersion(_ config: NetworkConfig, command: CNICommand) throws(CNIError) {
        // Exact strings, as the reference compares them: "1.0" is not "1.0.0".
        guard CNIVersion.supported.map(\.description).contains(config.versionString) else {
            let list = CNIVersion.supported.map { "\"\($0)\"" }.joined(separator: " ")
            throw CNIError(code: CNIError.incompatibleVersion, "incompatible CNI versions",
                           details: "config is \"\(config.versionString)\", plugin supports [\(list)]")
        }
        if let minimum = command.minimumVersion, config.version < minimum {
            throw CNIError(code: CNIError.incompatibleVersion,
                           "config version does not allow \(command.rawValue)")
        }
    }
}
