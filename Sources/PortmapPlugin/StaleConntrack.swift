import CNISystem
import CNIValues

/// Deletes conntrack entries for the mapped UDP host ports after the rules are in place, so
/// earlier UDP "connections" to the host port don't keep bypassing the new DNAT. Uses the
/// `conntrack` tool when it exists; failures are only logged, as in the reference.
///
/// Every conntrack call walks the kernel's whole table (~10 ms even when it is empty), so the
/// UDP entries are listed once per family and `conntrack -D` runs only for ports that have some.
enum StaleConntrack {
    static let searchPath = "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin"

    static func flushUDP(ports: [Int], family: IPAddress.Family) {
        guard !ports.isEmpty, let exe = Subprocess.findExecutable("conntrack", searchPath: searchPath) else { return }
        let familyName = family == .v4 ? "ipv4" : "ipv6"
        var stale = ports
        do {
            let list = try Subprocess.run(exe, arguments: ["-L", "-f", familyName, "-p", "udp"], timeoutSeconds: 10)
            if list.succeeded { stale = portsWithEntries(listing: list.stdoutText, among: ports) }
        } catch {
            StandardError.log("portmap: cannot list UDP conntrack entries: \(error)")
        }
        for port in stale {
            let arguments = ["-D", "-f", familyName, "-p", "udp", "--orig-port-dst", String(port)]
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

    /// The ports (of `ports`, each once, in order) that are the original destination port of an
    /// entry in `conntrack -L` output (`udp 17 29 src=… dst=… sport=… dport=5353 … src=… dport=…`:
    /// the first `dport=` of a line is the original direction's).
    static func portsWithEntries(listing: String, among ports: [Int]) -> [Int] {
        var found: Set<Int> = []
        for line in listing.split(separator: "\n") {
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("dport=") }),
                  let port = Int(field.dropFirst("dport=".count)) else { continue }
            found.insert(port)
        }
        var seen: Set<Int> = []
        return ports.filter { found.contains($0) && seen.insert($0).inserted }
    }
}
