import CNIProtocol
import CNISystem
import CNIValues

/// `net.ipv4.conf.<iface>.route_localnet=1` on the host interface that routes to the pod, so
/// connections to 127.0.0.1:hostPort can be DNATed to it (the reference does the same).
enum LocalnetRouting {
    /// The interface is the one the IPv4 routing table (`/proc/thread-self/net/route`: this thread's netns) routes
    /// the pod address through (longest prefix); failing that, the first `prevResult` interface
    /// outside a sandbox (the bridge).
    static func enable(for pod: IPAddress, previous: CNIResult) throws {
        let table = (try? FileSystem.readFile("/proc/thread-self/net/route", limit: 8 << 20)).map { String(decoding: $0, as: UTF8.self) }
        guard let name = table.flatMap({ interfaceName(routingTo: pod, procNetRoute: $0) }) ?? hostInterface(in: previous) else {
            StandardError.log("portmap: no host interface routes to \(pod); route_localnet not set")
            return
        }
        do {
            try Sysctl.write("net/ipv4/conf/\(name)/route_localnet", "1")
        } catch {
            throw CNIError.internalFailure("unable to enable route_localnet on \(name): \(error)")
        }
    }

    /// Longest-prefix match over `/proc/net/route` text (addresses are hex of the
    /// network-order bytes as the host reads them). Only routes that are up (RTF_UP) count.
    static func interfaceName(routingTo pod: IPAddress, procNetRoute text: String) -> String? {
        guard case .v4(let target) = pod else { return nil }
        var best: (name: String, maskBits: Int)?
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8,
                  let destination = UInt32(fields[1], radix: 16), let flags = UInt32(fields[3], radix: 16),
                  let mask = UInt32(fields[7], radix: 16), flags & 1 != 0 else { continue }
            let net = UInt32(bigEndian: destination), netmask = UInt32(bigEndian: mask)
            guard target & netmask == net & netmask else { continue }
            let bits = netmask.nonzeroBitCount
            let name = String(fields[0])
            if isUsableName(name), best.map({ bits > $0.maskBits }) ?? true { best = (name, bits) }
        }
        return best?.name
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
