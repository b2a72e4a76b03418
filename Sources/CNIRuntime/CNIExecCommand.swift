import CNIProtocol
import CNISystem
import CNIValues

/// `cni-exec add|check|del|gc|status <conflist> <netns path|name> [containerID] [ifname]`:
/// runs a plugin or a whole conflist by hand, like cnitool. Environment: `CNI_PATH`
/// (default /opt/cni/bin), `CNI_ARGS`, `CAP_ARGS` (JSON object of capability args, e.g.
/// `{"portMappings":[...]}`), `CNI_CACHE_DIR` (default /var/lib/cni).
public enum CNIExecCommand {
    public static let usage = """
        usage: cni-exec add|check|del|gc|status <conflist> [<netns path|name> [containerID] [ifname]]
        env: CNI_PATH (default /opt/cni/bin), CNI_ARGS, CAP_ARGS (JSON), CNI_CACHE_DIR (default /var/lib/cni)

        """

    /// Returns the exit status; writes the result or error JSON to stdout.
    public static func main(_ args: [String], environment env: [String: String]) -> Int32 {
        do {
            guard args.count >= 2, let command = CNICommand(rawValue: args[0].uppercased()), command != .version else {
                StandardIO.write(Array(usage.utf8), fd: 2)
                return 2
            }
            let list = try NetworkConfigList(bytes: try FileSystem.readFile(args[1]))
            var capArgs = JSONObject()
            if let text = env["CAP_ARGS"], !text.isEmpty {
                guard let o = (try? JSONParser.parse(text))?.objectValue else {
                    throw CNIError(code: CNIError.decodingFailure, "CAP_ARGS must be a JSON object")
                }
                capArgs = o
            }
            let paths = (env["CNI_PATH"] ?? CNIDefaults.pluginDirectory).split(separator: ":").map(String.init)
            var base: [String: String] = [:]
            for key in ["CNI_ARGS", "PATH"] { base[key] = env[key] }
            let runner = ChainRunner(list: list, cache: ResultCache(directory: env["CNI_CACHE_DIR"] ?? CNIDefaults.cacheDirectory),
                                     pluginPaths: paths, baseEnvironment: base, capabilityArgs: capArgs)
            switch command {
            case .gc: try runner.gc(); return 0
            case .status: try runner.status(); return 0
            default: break
            }
            guard args.count >= 3 else {
                throw CNIError(code: CNIError.invalidEnvironment, "\(command.rawValue) needs a network namespace")
            }
            let netns = args[2].hasPrefix("/") ? args[2] : "/run/netns/" + args[2]
            let id = args.count > 3 ? args[3] : "cni-exec-" + String(SHA512.hexDigest(Array(netns.utf8)).prefix(16))
            let attachment = Attachment(containerID: id, ifname: args.count > 4 ? args[4] : "eth0")
            try Validation.validateContainerID(attachment.containerID)
            try Validation.validateInterfaceName(attachment.ifname)
            switch command {
            case .add:
                let result = try runner.add(attachment, netns: netns)
                StandardIO.write(JSONSerializer.bytes(result, style: .pretty) + [0x0A], fd: 1)
            case .del: try runner.del(attachment, netns: netns)
            case .check: try runner.check(attachment, netns: netns)
            default: break
            }
            return 0
        } catch {
            StandardIO.write(JSONSerializer.bytes(CNIError.from(error).json, style: .pretty) + [0x0A], fd: 1)
            return 1
        }
    }
}
