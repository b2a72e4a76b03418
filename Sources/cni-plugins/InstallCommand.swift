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
///
/// `--from FILE` installs FILE instead of this executable (e.g. the binary for this node's
/// architecture out of a directory holding several); a file built for another architecture
/// than the one running the installer is refused before anything is written: the kernel would
/// refuse it at every pod start with "exec format error".
enum InstallCommand {
    /// Delegates first, the chain's entry point last: a kubelet that sees `flannel` finds
    /// what it delegates to.
    static let names = ["loopback", "host-local", "bridge", "portmap", "bandwidth", "flannel"]

    static let usage = """
        usage: cni-plugins install [--from FILE] DIR [--conflist FILE [--netconf-dir DIR]]
        Installs \(names.joined(separator: ", ")) into DIR
        (e.g. /opt/cni/bin), each name its own file, written atomically (temp file + rename).
        Names that already hold this build are kept. --from FILE installs FILE (a build of
        this suite for this machine's architecture) instead of this executable. --conflist
        also installs FILE (JSON) into --netconf-dir (default \(defaultNetconfDir)), mode 0600,
        atomically.

        """

    static let defaultNetconfDir = "/etc/cni/net.d"
    /// Network configs hold nothing secret but are the node's network: 0600 as the CIS Kubernetes
    /// benchmark (1.1.9) asks of CNI files.
    static let conflistMode: UInt32 = 0o600

    static func main(_ args: [String]) -> Int32 {
        var dir: String?, source = "/proc/self/exe"
        var conflist: String?
        var netconfDir = defaultNetconfDir
        var rest = args[...]
        while let arg = rest.popFirst() {
            if arg == "-h" || arg == "--help" { StandardIO.write(usage, fd: 1); return 0 }
            if arg == "--from" || arg == "--conflist" || arg == "--netconf-dir" {
                guard let value = rest.popFirst(), !value.isEmpty else {
                    StandardIO.write("install: \(arg) needs a value\n" + usage, fd: 2)
                    return 2
                }
                switch arg {
                case "--from": source = value
                case "--conflist": conflist = value
                default: netconfDir = value
                }
                continue
            }
            if arg.hasPrefix("-") || dir != nil {
                StandardIO.write("install: unexpected argument \"\(arg)\"\n" + usage, fd: 2)
                return 2
            }
            dir = arg
        }
        guard let dir, !dir.isEmpty else { StandardIO.write(usage, fd: 2); return 2 }
        var conflistBytes: [UInt8]?
        if let conflist {
            // Read and parsed before anything is installed: a broken file changes nothing.
            do {
                let bytes = try FileSystem.readFile(conflist)
                _ = try JSONParser.parse(bytes)
                conflistBytes = bytes
            } catch {
                StandardIO.write("install: conflist \(conflist): \(error)\n", fd: 2)
                return 1
            }
        }
        do {
            let me = try FileSystem.readFile(source, limit: 256 << 20)
            if let refusal = architectureRefusal(of: me, path: source) {
                StandardIO.write("install: \(refusal)\n", fd: 2)
                return 1
            }
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
            let id = PluginRegistry.buildID(of: source)
            var line = "install: \(dir): "
            line += installed.isEmpty ? "nothing to do" : "installed \(installed.joined(separator: " "))"
            if !kept.isEmpty { line += installed.isEmpty ? " (\(kept.joined(separator: " ")) up to date)" : "; up to date: \(kept.joined(separator: " "))" }
            line += " (\(me.count) bytes each, build-id \(id.flatMap { ELFBuildID.id($0).hex } ?? "none"))"
            if !swept.isEmpty { line += "; removed abandoned temp files: \(swept.joined(separator: " "))" }
            if let conflist, let conflistBytes {
                let name = String(conflist.split(separator: "/").last ?? "")
                let target = netconfDir.hasSuffix("/") ? netconfDir + name : netconfDir + "/" + name
                try FileSystem.makeDirectory(netconfDir, mode: 0o755)
                try FileSystem.writeFileAtomically(target, conflistBytes, mode: conflistMode)
                line += "; installed \(target) (mode 0600)"
            }
            line += "\n"
            StandardIO.write(line, fd: 1)
            return 0
        } catch {
            StandardIO.write("install: \(error)\n", fd: 2)
            return 1
        }
    }

    /// Why `bytes` (read from `path`) must not be installed on this machine: not an ELF
    /// executable, or one built for another architecture. Nil when it may be.
    static func architectureRefusal(of bytes: [UInt8], path: String) -> String? {
        guard let machine = ELFMachine.parse(bytes) else { return "\(path) is not an ELF executable" }
        guard let current = ELFMachine.current, machine != current else { return nil }
        return "\(path) is built for \(machine), this machine runs \(current): the kernel would refuse to run it "
            + "(exec format error); install the \(current) build"
    }
}
