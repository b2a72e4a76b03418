import CNISystem

/// Every network namespace on the machine that may hold a pod: the bind mounts in /run/netns
/// (how containerd and `ip netns` name them) and every process's /proc/PID/ns/net, each netns
/// once (deduplicated by inode, /run/netns names preferred).
struct NamespaceScanner {
    struct Found: Equatable {
        let path: String
        let identity: FileIdentity
    }

    var runDirectory = "/run/netns"
    var procDirectory = "/proc"

    func scan(excluding excluded: [FileIdentity]) -> [Found] {
        var found: [Found] = []
        var seen = Set(excluded)
        var paths: [String] = []
        if let names = try? FileSystem.listDirectory(runDirectory) {
            paths += names.sorted().map { "\(runDirectory)/\($0)" }
        }
        if let names = try? FileSystem.listDirectory(procDirectory) {
            let pids = names.compactMap { Int($0) }.sorted()
            paths += pids.map { "\(procDirectory)/\($0)/ns/net" }
        }
        for path in paths {
            guard let identity = FileIdentity(path: path), !seen.contains(identity) else { continue }
            seen.insert(identity)
            found.append(Found(path: path, identity: identity))
        }
        return found
    }
}
