import CNIFirewall
import CNINetlink
import CNISystem
import CNIValues
import HostLocalStore

/// Runs cleanup steps: the same actions the rendered commands describe, without a shell.
struct CleanupExecutor {
    let node: NetworkNamespace?
    let context: CleanupStep.Context

    func run(_ step: CleanupStep) throws {
        switch step {
        case .pluginDel(let type, let id, let ifname, let config):
            let plugin = context.pluginPath(type)
            guard FileSystem.isExecutable(plugin) else { throw InspectError("plugin \(plugin) not found (set --cni-path)") }
            let stdin = try FileSystem.readFile(config, limit: 1 << 20)
            let env = ["CNI_COMMAND=DEL", "CNI_CONTAINERID=\(id)", "CNI_IFNAME=\(ifname)", "CNI_NETNS=",
                       "CNI_PATH=\(context.cniPath)", "PATH=\(SystemTool.searchPath)"]
            let result = try inNode { try Program.run(plugin, arguments: [], environment: env, stdin: stdin, timeoutSeconds: 120) }
            guard result.succeeded else {
                let msg = (try? JSONParser.parse(result.stdout))?["msg"]?.stringValue ?? result.stdoutText + result.stderrText
                throw InspectError("\(type) DEL failed (exit \(result.exitStatus)): \(msg.trimmingBlanks())")
            }
        case .removeFile(let path):
            try FileSystem.removeFileIfPresent(path)
        case .releaseIP(let path, let lock, let id):
            try FileLock.withExclusiveLock(path: lock) {
                let bytes: [UInt8]
                do {
                    bytes = try FileSystem.readFile(path, limit: 4096)
                } catch let e as SystemError where e.errno == .noSuchFileOrDirectory {
                    return
                }
                let owner = ReservationOwner(parsing: bytes).containerID
                guard owner == id else { throw InspectError("\(path) now belongs to container \(owner); left alone") }
                try FileSystem.removeFile(path)
            }
        case .iptablesRestore(let ipv6, let text):
            try inNode { try FirewallBatch.restore(ipv6: ipv6, text) }
        case .nft(let text):
            try inNode { try FirewallBatch.nft(text) }
        case .replaceAddresses(let name, let remove, let add):
            let socket = try node.map { try NetlinkSocket(in: $0) } ?? NetlinkSocket()
            guard let link = try socket.link(named: name) else { throw InspectError("\(name) does not exist") }
            for old in remove {
                do {
                    try socket.deleteAddress(index: link.index, old)
                } catch Errno.addressNotAvailable {
                    // Gone meanwhile.
                }
            }
            for new in add {
                do {
                    try socket.addAddress(index: link.index, new, noDAD: true)
                } catch Errno.fileExists {
                    // A new pod's ADD put it there meanwhile.
                }
            }
        case .deleteLink(let name):
            let socket = try node.map { try NetlinkSocket(in: $0) } ?? NetlinkSocket()
            guard let link = try socket.link(named: name) else { return }
            do {
                try socket.deleteLink(index: link.index)
            } catch Errno.noSuchDevice {
                // Gone meanwhile.
            }
        }
    }

    private func inNode<T>(_ body: () throws -> T) throws -> T {
        guard let node else { return try body() }
        return try node.run(body)
    }
}
