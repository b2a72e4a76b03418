// One executable for the whole suite, installed as one copy per plugin name (see
// InstallCommand): the name it is run under picks the plugin.
import BandwidthPlugin
import BridgePlugin
import CNIInspect
import CNIProtocol
import CNIRuntime
import CNISystem
import CNIValues
import FlannelPlugin
import HostLocalPlugin
import LoopbackPlugin
import PortmapPlugin

// First thing: the netns this process started in, which CNI_NETNS must not name (its plugin's and
// every in-process delegate's check compare with this record).
ProcessNetns.record()

let plugins: [any CNIPlugin] = [
    LoopbackPlugin(), HostLocalPlugin(), BridgePlugin(), FlannelPlugin(), PortmapPlugin(), BandwidthPlugin(),
]
PluginRegistry.register(plugins)

var arguments = CommandLine.arguments
let invokedAs = String((arguments.first ?? "").split(separator: "/").last ?? "")
var name = invokedAs
if name == "cni-plugins" {
    // `cni-plugins bridge` runs the bridge plugin (handy before installing the links).
    name = arguments.count > 1 ? arguments[1] : ""
}
if name == "cni-exec" || name == "exec" {
    // The cnitool-style runner: `cni-exec add <conflist> <netns> [id] [ifname]`.
    let rest = Array(arguments.dropFirst(invokedAs == "cni-plugins" ? 2 : 1))
    CurrentProcess.exit(CNIExecCommand.main(rest, environment: ProcessEnvironment.current()))
}
if name == "install" && invokedAs == "cni-plugins" {
    // `cni-plugins install DIR`: each plugin name its own file in DIR (the image's entrypoint).
    CurrentProcess.exit(InstallCommand.main(Array(arguments.dropFirst(2))))
}
if name == "cni-inspect" || name == "inspect" {
    let rest = Array(arguments.dropFirst(invokedAs == "cni-plugins" ? 2 : 1))
    CurrentProcess.exit(InspectCommand.main(rest, environment: ProcessEnvironment.current()))
}
guard let plugin = PluginRegistry.plugin(named: name) else {
    let names = plugins.map(\.name).joined(separator: ", ")
    let err = CNIError(code: CNIError.invalidEnvironment, "unknown plugin name \"\(name)\"",
                       details: "run this binary as one of: \(names) (or: cni-plugins <name>)")
    StandardIO.write(JSONSerializer.bytes(err.json, style: .pretty), fd: 1)
    CurrentProcess.exit(1)
}
PluginMain.run(plugin)
