import CNIValues
import Foundation

/// Runs a plugin binary the way a container runtime does: CNI_* environment, config on stdin.
public enum PluginRun {
    /// Runs `plugin` with CNI_COMMAND etc. set (each nil one is unset, as are any CNI_* variables
    /// inherited from the test process). With `inNamespace`, the plugin process itself runs inside
    /// that "node" namespace via `ip netns exec`.
    public static func run(
        plugin: String, command: String, containerID: String?, netns: String?, ifname: String?,
        cniArgs: String? = nil, cniPath: String, config: String, inNamespace: TestNamespace? = nil,
        extraEnv: [String: String] = [:]
    ) -> (status: Int32, stdout: String, stderr: String) {
        let env = environment(command: command, containerID: containerID, netns: netns, ifname: ifname,
                              cniArgs: cniArgs, cniPath: cniPath, extraEnv: extraEnv)
        let argv = inNamespace.map { ["ip", "netns", "exec", $0.name, plugin] } ?? [plugin]
        return Command.run(argv, stdin: config, environment: env)
    }

    /// `base` (default: the test process's environment) without its CNI_* variables, plus the
    /// given ones (nil ones stay unset), then `extraEnv`.
    public static func environment(
        command: String, containerID: String?, netns: String?, ifname: String?, cniArgs: String? = nil,
        cniPath: String, extraEnv: [String: String?] = [:], base: [String: String]? = nil
    ) -> [String: String] {
        var env = (base ?? ProcessInfo.processInfo.environment).filter { !$0.key.hasPrefix("CNI_") }
        env["CNI_COMMAND"] = command
        env["CNI_CONTAINERID"] = containerID
        env["CNI_NETNS"] = netns
        env["CNI_IFNAME"] = ifname
        env["CNI_ARGS"] = cniArgs
        env["CNI_PATH"] = cniPath
        for (k, v) in extraEnv { env[k] = v }
        return env
    }

    /// Parses plugin output (a result or an error object); nil when it isn't JSON.
    public static func parsedJSON(_ text: String) -> JSONValue? {
        try? JSONParser.parse(text)
    }

    /// Parses plugin output into Foundation objects (`[String: Any]` for objects); nil when it isn't JSON.
    /// Deliberately not the suite's own parser: the reliability and integration tests check what the
    /// plugins print with an independent one (Foundation's), an oracle that shares no code with them.
    public static func foundationJSON(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}
