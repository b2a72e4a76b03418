import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// `net.ipv4.conf.<iface>.route_localnet=1` on the host interface that routes to the pod, so
/// connections to 127.0.0.1:hostPort can be DNATed to it (the reference does the same).
enum LocalnetRouting {
    /// The interface is the one the main table routes the pod address through (longest prefix);
    /// failing that, the first `prevResult` interface outside a sandbox (the bridge).
    static func enable(for pod: IPAddress, previous: CNIResult) throws {
        guard let name = interfaceName(routingTo: pod) ?? hostInterface(in: previous) else {
            StandardError.log("portmap: no host interface routes to \(pod); route_localnet not set")
            return
        }
        do {
            try Sysctl.write("net/ipv4/conf/\(name)/route_localnet", "1")
        } catch {
            throw CNIError.internalFailure("unable to enable route_localnet on \(name): \(error)")
        }
    }

    static func interfaceName(routingTo pod: IPAddress) -> String? {
        guard let socket = try? NetlinkSocket(), let routes = try? socket.routes(family: pod.family) else { return nil }
        let best = routes.filter { $0.outputIndex != nil && $0.destination.contains(pod) }
            .max { $0.destination.prefixLength < $1.destination.prefixLength }
        guard let index = best?.outputIndex, let link = try? socket.link(index: index) else { return nil }
        return isUsableName(link.name) ? link.name : nil
    }

    static func hostInterface(in result: CNIResult) -> String? {
        result.interfaces.first { $0.sandbox.isEmpty && isUsableName($0.name)
            && FileSystem.isDirectory("/proc/sys/net/ipv4/conf/\($0.name)") }?.name
    }

    static func isUsableName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && name.utf8.count <= 15
    }
}

/// stderr logging (stdout is the result channel).
enum StandardError {
    static func log(_ message: String) {
        StandardIO.write(message + "\n", fd: 2)
    }
}
