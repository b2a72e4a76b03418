import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// `net.ipv4.conf.<iface>.route_localnet=1` on the host interface that routes to the pod, so
/// connections to 127.0.0.1:hostPort can be DNATed to it (the reference does the same).
enum LocalnetRouting {
    /// The interface is the one the kernel routes the pod address through (RTM_GETROUTE, as
    /// `ip route get`: policy routing included); failing that, the first `prevResult` interface
    /// outside a sandbox (the bridge).
    static func enable(for pod: IPAddress, previous: CNIResult) throws {
        guard let name = routedInterface(to: pod) ?? hostInterface(in: previous) else {
            Log.warning(plugin: "portmap", "no host interface routes to \(pod); route_localnet not set")
            return
        }
        do {
            try Sysctl.write("net/ipv4/conf/\(name)/route_localnet", "1")
        } catch {
            throw CNIError.internalFailure("unable to enable route_localnet on \(name): \(error)")
        }
    }

    static func routedInterface(to pod: IPAddress) -> String? {
        do {
            let socket = try NetlinkSocket()
            guard let index = try socket.route(to: pod)?.outputIndex, let link = try socket.link(index: index) else { return nil }
            return isUsableName(link.name) ? link.name : nil
        } catch {
            Log.warning(plugin: "portmap", "route lookup for \(pod) failed: \(error)")
            return nil
        }
    }

    static func hostInterface(in result: CNIResult) -> String? {
        result.interfaces.first { $0.sandbox.isEmpty && isUsableName($0.name)
            && FileSystem.isDirectory("/proc/sys/net/ipv4/conf/\($0.name)") }?.name
    }

    static func isUsableName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && name.utf8.count <= 15
    }
}
