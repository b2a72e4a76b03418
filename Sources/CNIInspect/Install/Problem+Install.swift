import CNIProtocol
import CNIValues

/// The texts of the installation problems, one function per `Problem.Kind` (pure). `InstallFinder`
/// decides which problems exist; these say them.
extension Problem {
    static func noNetworkConfig(in selection: ConfigSelection) -> Problem {
        let dir = selection.directory
        let why = selection.listError.map { "cannot list \(dir): \($0)" }
            ?? "no network config (.conflist, .conf, .json) in \(dir)"
        let ignored = selection.ignored.joined(separator: ", ")
        return Problem(
            kind: .noNetworkConfig, subject: dir,
            summary: "\(why): containerd reports \"cni plugin not initialized\" and the node stays NotReady",
            details: selection.ignored.isEmpty ? [] : ["not read by libcni (extension): " + ignored],
            advice: [
                "install the flannel conflist: install -m 0644 conflists/10-flannel.conflist \(ShellWords.quote(dir))/",
                "(on a cluster, kube-flannel's install-cni init container writes it: check that pod)",
            ])
    }

    static func invalidConfig(
        _ selected: NetConfFile, failure: NetConfFile.Failure, shadowing intended: NetConfFile?, firstValid: NetConfFile?
    ) -> Problem {
        var details = ["\(selected.path): \(failure)"]
        var summary = "\(selected.fileName), the file containerd loads, does not parse: \(failure.message)"
        if let intended, intended.path != selected.path {
            summary = "\(selected.fileName) shadows \(intended.fileName): it sorts first and does not parse"
                + " (\(failure.message))"
            details.append(
                "containerd loads only the first file in lexical order and does not skip a broken one,"
                    + " so \(intended.fileName) is never read")
            details.append("(CRI-O and kubelet's dockershim would skip to \(firstValid?.fileName ?? intended.fileName))")
        }
        return Problem(
            kind: .invalidConfig, subject: selected.path, summary: summary, details: details,
            advice: [
                "fix the file, or if it does not belong here move it out of the way:",
                "mv \(ShellWords.quote(selected.path)) \(ShellWords.quote(selected.path + ".disabled"))",
            ])
    }

    static func shadowedConfig(_ selected: NetConfFile, shadowing intended: NetConfFile, network mine: NetConfList)
        -> Problem
    {
        let theirs = selected.network.map { n in
            "network \"\(n.name)\" (\(n.plugins.map(\.type).joined(separator: ", ")))"
        } ?? "another network"
        let disabled = ShellWords.quote(selected.path + ".disabled")
        return Problem(
            kind: .shadowedConfig, subject: selected.path,
            summary: "\(selected.fileName) shadows \(intended.fileName):"
                + " containerd loads \(theirs) instead of \"\(mine.name)\"",
            details: ["containerd loads only the first file in lexical order (max_conf_num = 1)"],
            advice: [
                "if \(selected.fileName) is not wanted: mv \(ShellWords.quote(selected.path)) \(disabled)",
                "or give \(intended.fileName) a name that sorts first",
            ])
    }

    static func pluginNotExecutable(_ plugin: PluginCheck, file: String) -> Problem {
        Problem(
            kind: .missingPlugin, subject: plugin.type,
            summary: "\(file) is not executable (needed by \(plugin.neededBy.joined(separator: "; ")))",
            details: plugin.notExecutable.map { "not executable: \($0)" },
            advice: ["chmod 0755 \(ShellWords.quote(file))"])
    }

    static func missingPlugin(_ plugin: PluginCheck, cniPath: String, directories: [String], installInto: String)
        -> Problem
    {
        let type = plugin.type
        let searched = directories.isEmpty ? "(empty plugin path)" : directories.map { "\($0)/\(type)" }.joined(separator: ", ")
        return Problem(
            kind: .missingPlugin, subject: type,
            summary: "no \(type) executable in \(cniPath) (needed by \(plugin.neededBy.joined(separator: "; "))):"
                + " every pod ADD fails with \"failed to find plugin \\\"\(type)\\\" in path\"",
            details: ["searched: " + searched],
            advice: PluginCheck.suiteNames.contains(type)
                ? ["install the suite's plugins: scripts/install.sh \(ShellWords.quote(installInto))"]
                : ["install the \(type) plugin into \(installInto)"])
    }

    static func pluginCannotStart(_ plugin: PluginCheck, path: String, failure: String, directory: String) -> Problem {
        let quoted = ShellWords.quote(directory)
        let advice =
            plugin.foreignMachine != nil && ELFMachine.current != nil
            ? "install the build for \(ELFMachine.current?.description ?? "this node"):"
                + " cni-plugins install --from <that binary> \(quoted)"
            : "reinstall a build for this node (a static build needs no shared libraries): scripts/install.sh \(quoted)"
        let lines = TextLines.split(failure)
        return Problem(
            kind: .pluginCannotStart, subject: plugin.type,
            summary: "\(path) does not start on this node: \(lines.first ?? failure)",
            details: ["needed by \(plugin.neededBy.joined(separator: "; "))"] + (lines.count > 1 ? lines.map { "  " + $0 } : []),
            advice: [advice])
    }

    static func unsupportedVersion(_ plugin: PluginCheck, path: String, version: String, network: String,
                                   supported: [String]) -> Problem
    {
        Problem(
            kind: .unsupportedVersion, subject: plugin.type,
            summary: "\(plugin.type) does not support cniVersion \(version) of network \"\(network)\":"
                + " ADD fails with \"incompatible CNI versions\"",
            details: ["\(path) supports: \(supported.joined(separator: ", "))"],
            advice: ["set \"cniVersion\" in the conflist to one every plugin supports, or upgrade \(plugin.type)"])
    }

    static func pluginReplaced(_ plugin: PluginCheck, path: String, directory: String, ours: [PluginCheck]) -> Problem {
        Problem(
            kind: .pluginReplaced, subject: path,
            summary: "\(path) no longer holds this suite's \(plugin.type): it says \"\(plugin.about ?? "nothing")\""
                + " (an installer wrote over it, e.g. kube-flannel's install-cni init container)",
            details: ["the other plugins here are this suite's (\(ours.map(\.type).joined(separator: ", ")))"]
                + (plugin.buildID.map { ["build-id \($0)"] } ?? []),
            advice: [
                "reinstall: scripts/install.sh \(ShellWords.quote(directory))",
                "and stop the installer that copies its own \(plugin.type) there"
                    + " (kube-flannel: drop the install-cni-plugin init container)",
            ])
    }

    /// `builds`: build-id → the plugin types of that build.
    static func mixedBuilds(cniPath: String, builds: [String: [String]], inspectorBuildID: String?) -> Problem {
        let details = builds.keys.sorted().map { id in
            "build \(id): \(builds[id, default: []].joined(separator: ", "))"
                + (id == inspectorBuildID ? " (this cni-inspect)" : "")
        }
        let first = cniPath.split(separator: ":").first.map(String.init) ?? CNIDefaults.pluginDirectory
        return Problem(
            kind: .mixedBuilds, subject: cniPath,
            summary: "this suite's plugins in \(cniPath) come from \(builds.count) different builds (a partial upgrade?)",
            details: details,
            advice: ["reinstall every plugin from one build: scripts/install.sh \(ShellWords.quote(first))"])
    }

    static func leaseInconsistent(_ lease: LeaseCheck, _ inconsistencies: [String]) -> Problem {
        Problem(
            kind: .leaseInvalid, subject: lease.path,
            summary: "\(lease.path) is inconsistent: \(inconsistencies.first ?? "")",
            details: inconsistencies + ["path from \(lease.source)"],
            advice: ["flanneld rewrites it when it (re)acquires the lease: restart flanneld on this node"])
    }

    static func leaseMissing(_ lease: LeaseCheck, message: String) -> Problem {
        Problem(
            kind: .leaseMissing, subject: lease.path,
            summary: "\(lease.path) is missing: flannel's ADD fails (\"failed to load flannel 'subnet.env' file\")",
            details: [message, "path from \(lease.source)"],
            advice: [
                "flanneld writes it once it has a lease: is flanneld running on this node?"
                    + " (kubectl -n kube-flannel get pods -o wide; its log)"
            ])
    }

    static func leaseUnreadable(_ lease: LeaseCheck, message: String) -> Problem {
        Problem(
            kind: .leaseMissing, subject: lease.path, summary: "\(lease.path) cannot be read: \(message)",
            details: ["path from \(lease.source)"], advice: ["it must be a readable regular file written by flanneld"])
    }

    static func leaseRefused(_ lease: LeaseCheck, message: String, line: Int?, missingKeys keys: [String]) -> Problem {
        var details = [message]
        if !keys.isEmpty { details.append("missing keys: " + keys.joined(separator: ", ")) }
        if let line { details.append("at line \(line)") }
        details.append("path from \(lease.source)")
        let what = keys.isEmpty ? "does not parse" : "lacks \(keys.joined(separator: ", "))"
        return Problem(
            kind: .leaseInvalid, subject: lease.path,
            summary: "\(lease.path) \(what): flannel's ADD fails",
            details: details,
            advice: [
                "flanneld writes FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ:"
                    + " restart flanneld, or fix the file by hand"
            ])
    }

    static func staleResultCache(_ entry: CachedResult) -> Problem {
        let what = [
            entry.network.map { "network \($0)" }, entry.containerID.map { "container \($0)" },
            entry.ifname.map { "ifname \($0)" },
        ].compactMap { $0 }.joined(separator: ", ")
        let why = entry.error.map { "unreadable cache entry (\($0))" }
            ?? "its pod is gone (netns \(entry.netns ?? "-") no longer exists) but the runtime never ran DEL"
        return Problem(
            kind: .staleResultCache, subject: entry.containerID ?? entry.path,
            summary: "libcni result cache entry \(entry.path): \(why)",
            details: what.isEmpty ? [] : [what],
            steps: [.removeFile(path: entry.path)])
    }

    static func abandonedTempFile(_ file: TempFile) -> Problem {
        Problem(
            kind: .abandonedTempFile, subject: file.path,
            summary: "\(file.path): temp file of a write interrupted by a crash (writer pid \(file.pid) is gone)",
            steps: [.removeFile(path: file.path)])
    }
}
