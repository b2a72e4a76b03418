import CNIValues
import CNISystem

/// Deletes conntrack entries for the mapped UDP host ports after the rules are in place, so
/// earlier UDP "connections" to the host port don't keep bypassing the new DNAT. Uses the
/// `conntrack` tool when it exists; failures are only logged, as in the reference.
enum StaleConntrack {
    static let searchPath = "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin"

    static func flushUDP(ports: [Int], family: IPAddress.Family) {
        guard !ports.isEmpty, let exe = Subprocess.findExecutable("conntrack", searchPath: searchPath) else { return }
        var seen: Set<Int> = []
        for port in ports where seen.insert(port).inserted {
            let arguments = ["-D", "-f", family == .v4 ? "ipv4" : "ipv6", "-p", "udp", "--orig-port-dst", String(port)]
            do {
                let r = try Subprocess.run(exe, arguments: arguments, timeoutSeconds: 10)
                // Exit status 1 with "0 flow entries have been deleted" just means there were none.
                if !r.succeeded && !r.stderrText.contains("0 flow entries") {
                    StandardError.log("portmap: failed to delete stale UDP conntrack entries for port \(port): \(r.stderrText)")
                }
            } catch {
                StandardError.log("portmap: failed to delete stale UDP conntrack entries for port \(port): \(error)")
            }
        }
    }
}
