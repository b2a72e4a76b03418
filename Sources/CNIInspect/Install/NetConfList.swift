import CNIValues

/// A network config list as libcni holds it: name, cniVersion (libcni hands the list's version to
/// every plugin) and the plugins in order.
struct NetConfList: Sendable, Equatable {
    var name: String
    /// "" when the file gives none.
    var cniVersion: String
    var plugins: [NetConfPlugin]

    /// Every plugin executable an ADD of this list runs, with who runs it, in order: each plugin,
    /// flannel's delegate (default `bridge`) and its IPAM (default `host-local`), each `ipam.type`.
    var executables: [(type: String, neededBy: String)] {
        var out: [(type: String, neededBy: String)] = []
        func add(_ type: String, _ by: String) {
            if !out.contains(where: { $0.type == type }) { out.append((type, by)) }
        }
        for (i, p) in plugins.enumerated() {
            let at = "\(name) plugins[\(i)]"
            add(p.type, at)
            if p.type == "flannel" {
                add(p.delegateType ?? "bridge", "\(at) flannel's delegate")
                add(p.ipamType ?? "host-local", "\(at) flannel's delegate IPAM")
            } else if let ipam = p.ipamType {
                add(ipam, "\(at) ipam")
            }
        }
        return out
    }

    /// The flannel plugin's entry, when the list has one.
    var flannel: NetConfPlugin? { plugins.first { $0.type == "flannel" } }
}
