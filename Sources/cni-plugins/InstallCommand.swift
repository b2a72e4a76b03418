import CNIProtocol
import CNISystem
import CNIValues

/// `cni-plugins install DIR`: installs this executable into DIR once per plugin name, each
/// name its own file (a copy, not a link: `cp -f other DIR/flannel`, as kube-flannel's init
/// container does at every start, must not change bridge or host-local). Each file is written
/// to a temp name in DIR, fsynced and renamed into place, so a kubelet never execs a partial
/// binary; a name that already holds exactly this build is left alone (running it again
/// changes nothing). Temp files of an earlier install that was killed (their writer is gone) are
/// removed. Needs nothing but the kernel and /proc: it is the entrypoint of the
/// init-container image, which holds no shell and no `cp`.
enum InstallCommand {
    /// Delegates first, the chain's entry point last: a kubelet that sees `flannel` finds
    /// what it delegates to.
    static let names = ["loopback", "host-local", "bridge", "portmap", "bandwidth", "flannel"]

    static let usage = """
        usage: cni-plugins install DIR
        Installs \(names.joined(separator: ", ")) into DIR
        (e.g. /opt/cni/bin), each name its own file, written atomically (temp file + rename).
        Names that already hold this build are kept.

        """

    static func main(_ args: [String]) -> Int32 {
        var dir: String?
        for arg in args {
            if arg == "-h" || arg == "--help" { StandardIO.write(usage, fd: 1); return 0 }
            if arg.hasPrefix("-") || dir != nil {
                StandardIO.write("install: unexpected argument \"\(arg)\"\n" + usage, fd: 2)
                return 2
            }
            dir = arg
        }
        guard let dir, !dir.isEmpty else { StandardIO.write(usage, fd: 2); return 2 }
        do {
            let me = try FileSystem.readFile("/proc/self/exe", limit: 256 << 20)
            try FileSystem.makeDirectory(dir, mode: 0o755)
            // What an install killed mid-write left (a 10 MB temp file per name otherwise stays).
            let swept = FileSystem.removeTemporaryFiles(in: dir, onlyAbandoned: true)
            var installed: [String] = [], kept: [String] = []
            for name in names {
                let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                if (try? FileSystem.readFile(path, limit: me.count)) == me {
                    kept.append(name)
                    continue
                }
                try FileSystem.writeFileAtomically(path, me, mode: 0o755)
                installed.append(name)
            }
            let id = PluginRegistry.buildID(of: "/proc/self/exe")
            var line = "install: \(dir): "
            line += installed.isEmpty ? "nothing to do" : "installed \(installed.joined(separator: " "))"
            if !kept.isEmpty { line += installed.isEmpty ? " (\(kept.joined(separator: " ")) up to date)" : "; up to date: \(kept.joined(separator: " "))" }
            line += " (\(me.count) bytes each, build-id \(id.flatMap { ELFBuildID.id($0).hex } ?? "none"))"
            if !swept.isEmpty { line += "; removed abandoned temp files: \(swept.joined(separator: " "))" }
            line += "\n"
            StandardIO.write(line, fd: 1)
            return 0
        } catch {
            StandardIO.write("install: \(error)\n", fd: 2)
            return 1
        }
    }
}
