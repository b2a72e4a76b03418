/// The `CNI_*` variables of one invocation, checked for presence per command.
package struct CNIEnvironment: Sendable {
    package let command: CNICommand
    package let containerID: String
    /// Empty when not given (allowed for DEL, GC, STATUS).
    package let netns: String
    package let ifname: String
    package let args: CNIArgs
    /// `CNI_PATH` split on `:`; empty when unset.
    package let pluginPaths: [String]
    /// The whole process environment, passed on to delegates.
    package let variables: [String: String]

    package init(command: CNICommand, containerID: String = "", netns: String = "", ifname: String = "",
                args: CNIArgs = CNIArgs(), pluginPaths: [String] = [], variables: [String: String] = [:]) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifname = ifname
        self.args = args
        self.pluginPaths = pluginPaths
        self.variables = variables
    }

    /// Reads and validates the variables the command needs.
    /// Missing ones are reported together, in the Go library's order and format.
    package static func parse(_ env: [String: String], command: CNICommand) throws(CNIError) -> CNIEnvironment {
        let id = env["CNI_CONTAINERID"] ?? ""
        let netns = env["CNI_NETNS"] ?? ""
        let ifname = env["CNI_IFNAME"] ?? ""
        var missing: [String] = []
        if command.targetsAttachment {
            if id.isEmpty { missing.append("CNI_CONTAINERID") }
            if netns.isEmpty && command != .del { missing.append("CNI_NETNS") }
            if ifname.isEmpty { missing.append("CNI_IFNAME") }
        }
        guard missing.isEmpty else {
            throw CNIError(code: CNIError.invalidEnvironment,
                           "required env variables [\(missing.joined(separator: ","))] missing")
        }
        if command.targetsAttachment {
            try Validation.validateContainerID(id)
            try Validation.validateInterfaceName(ifname)
        }
        if !netns.isEmpty && !netns.hasPrefix("/") {
            throw CNIError(code: CNIError.invalidEnvironment, "CNI_NETNS must be an absolute path", details: netns)
        }
        let args = try CNIArgs(parsing: env["CNI_ARGS"] ?? "")
        let paths = (env["CNI_PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return CNIEnvironment(command: command, containerID: id, netns: netns, ifname: ifname,
                              args: args, pluginPaths: paths, variables: env)
    }
}
