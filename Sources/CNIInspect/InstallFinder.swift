import CNIProtocol
import CNIValues
/// Finds why the node cannot give pods a network (pure), in the order the runtime meets the
/// causes: the config directory, the plugins of the selected network, flannel's lease; then
/// leftovers that do not block pods (libcni's result cache, temp files of interrupted writes).
public struct InstallFinder: Sendable {
    public let install: InstallSnapshot
    /// Container IDs that have a live pod (from the node snapshot).
    public let liveContainerIDs: Set<String>

    public init(install: InstallSnapshot, liveContainerIDs: Set<String> = []) {
        self.install = install
        self.liveContainerIDs = liveContainerIDs
    }

    public func problems() -> [Problem] {
        configProblems() + pluginProblems() + leaseProblems() + buildProblems() + leftoverProblems()
    }

    // MARK: - Config directory

    func configProblems() -> [Problem] {
        let sel = install.selection
        let dir = sel.directory
        guard let selected = sel.selected else {
            let why = sel.listError.map { "cannot list \(dir): \($0)" }
                ?? "no network config (.conflist, .conf, .json) in \(dir)"
            return [Problem(
                kind: .noNetworkConfig, subject: dir,
                summary: "\(why): containerd reports \"cni plugin not initialized\" and the node stays NotReady",
                details: sel.ignored.isEmpty ? [] : ["not read by libcni (extension): " + sel.ignored.joined(separator: ", ")],
                advice: ["install the flannel conflist: install -m 0644 conflists/10-flannel.conflist \(ShellWords.quote(dir))/",
                         "(on a cluster, kube-flannel's install-cni init container writes it: check that pod)"])]
        }
        let intended = sel.intended
        if let failure = selected.failure {
            var details = ["\(selected.path): \(failure)"]
            var summary = "\(selected.fileName), the file containerd loads, does not parse: \(failure.message)"
            if let intended, intended.path != selected.path {
                summary = "\(selected.fileName) shadows \(intended.fileName): it sorts first and does not parse (\(failure.message))"
                details.append("containerd loads only the first file in lexical order and does not skip a broken one, so \(intended.fileName) is never read")
                details.append("(CRI-O and kubelet's dockershim would skip to \(sel.firstValid?.fileName ?? intended.fileName))")
            }
            let disabled = ShellWords.quote(selected.path + ".disabled")
            return [Problem(kind: .invalidConfig, subject: selected.path, summary: summary, details: details,
                            advice: ["fix the file, or if it does not belong here move it out of the way:",
                                     "mv \(ShellWords.quote(selected.path)) \(disabled)"])]
        }
        if let intended, intended.path != selected.path, let mine = intended.network {
            let theirs = selected.network.map { n in
                "network \"\(n.name)\" (\(n.plugins.map(\.type).joined(separator: ", ")))"
            } ?? "another network"
            return [Problem(
                kind: .shadowedConfig, subject: selected.path,
                summary: "\(selected.fileName) shadows \(intended.fileName): containerd loads \(theirs) instead of \"\(mine.name)\"",
                details: ["containerd loads only the first file in lexical order (max_conf_num = 1)"],
                advice: ["if \(selected.fileName) is not wanted: mv \(ShellWords.quote(selected.path)) \(ShellWords.quote(selected.path + ".disabled"))",
                         "or give \(intended.fileName) a name that sorts first"])]
        }
        return []
    }

    // MARK: - Plugins

    func pluginProblems() -> [Problem] {
        var out: [Problem] = []
        let version = install.checkedNetwork?.cniVersion ?? ""
        let dirs = install.cniPath.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        let firstDir = dirs.first ?? CNIDefaults.pluginDirectory
        let listTypes = Set((install.checkedNetwork?.executables ?? []).map(\.type))
        for p in install.plugins where !p.neededBy.isEmpty {
            let who = p.neededBy.joined(separator: "; ")
            guard let path = p.path else {
                if let file = p.notExecutable.first {
                    out.append(Problem(kind: .missingPlugin, subject: p.type,
                                       summary: "\(file) is not executable (needed by \(who))",
                                       details: p.notExecutable.map { "not executable: \($0)" },
                                       advice: ["chmod 0755 \(ShellWords.quote(file))"]))
                } else {
                    out.append(Problem(
                        kind: .missingPlugin, subject: p.type,
                        summary: "no \(p.type) executable in \(install.cniPath) (needed by \(who)): every pod ADD fails with \"failed to find plugin \\\"\(p.type)\\\" in path\"",
                        details: ["searched: " + (dirs.isEmpty ? "(empty plugin path)" : dirs.map { "\($0)/\(p.type)" }.joined(separator: ", "))],
                        advice: PluginCheck.suiteNames.contains(p.type)
                            ? ["install the suite's plugins: scripts/install.sh \(ShellWords.quote(firstDir))"]
                            : ["install the \(p.type) plugin into \(firstDir)"]))
                }
                continue
            }
            if let failure = p.startFailure {
                let advice = p.foreignMachine != nil && ELFMachine.current != nil
                    ? "install the build for \(ELFMachine.current?.description ?? "this node"): cni-plugins install --from <that binary> \(ShellWords.quote(FileSystemPath.directory(of: path)))"
                    : "reinstall a build for this node (a static build needs no shared libraries): scripts/install.sh \(ShellWords.quote(FileSystemPath.directory(of: path)))"
                out.append(Problem(
                    kind: .pluginCannotStart, subject: p.type,
                    summary: "\(path) does not start on this node: \(firstLine(failure))",
                    details: ["needed by \(who)"] + (TextLines.split(failure).count > 1 ? TextLines.split(failure).map { "  " + $0 } : []),
                    advice: [advice]))
                continue
            }
            // libcni hands the list's cniVersion to each plugin it runs; containerd's own loopback
            // network is 0.3.1 whatever the list says.
            if !version.isEmpty, listTypes.contains(p.type), let supported = p.supportedVersions, !supported.contains(version) {
                out.append(Problem(
                    kind: .unsupportedVersion, subject: p.type,
                    summary: "\(p.type) does not support cniVersion \(version) of network \"\(install.checkedNetwork?.name ?? "?")\": ADD fails with \"incompatible CNI versions\"",
                    details: ["\(path) supports: \(supported.joined(separator: ", "))"],
                    advice: ["set \"cniVersion\" in the conflist to one every plugin supports, or upgrade \(p.type)"]))
            }
        }
        return out
    }

    func buildProblems() -> [Problem] {
        var out: [Problem] = []
        let ours = install.plugins.filter { $0.isOurs }
        guard !ours.isEmpty else { return [] }
        for p in install.plugins where PluginCheck.suiteNames.contains(p.type) && p.starts && !p.isOurs {
            guard let path = p.path else { continue }
            out.append(Problem(
                kind: .pluginReplaced, subject: path,
                summary: "\(path) no longer holds this suite's \(p.type): it says \"\(p.about ?? "nothing")\" (an installer wrote over it, e.g. kube-flannel's install-cni init container)",
                details: ["the other plugins here are this suite's (\(ours.map(\.type).joined(separator: ", ")))"]
                    + (p.buildID.map { ["build-id \($0)"] } ?? []),
                advice: ["reinstall: scripts/install.sh \(ShellWords.quote(FileSystemPath.directory(of: path)))",
                         "and stop the installer that copies its own \(p.type) there (kube-flannel: drop the install-cni-plugin init container)"]))
        }
        var builds: [String: [String]] = [:]
        for p in ours { builds[p.buildID ?? "(no build-id)", default: []].append(p.type) }
        if builds.count > 1 {
            let details = builds.keys.sorted().map { id in
                "build \(id): \(builds[id, default: []].joined(separator: ", "))" + (id == install.inspectorBuildID ? " (this cni-inspect)" : "")
            }
            out.append(Problem(
                kind: .mixedBuilds, subject: install.cniPath,
                summary: "this suite's plugins in \(install.cniPath) come from \(builds.count) different builds (a partial upgrade?)",
                details: details,
                advice: ["reinstall every plugin from one build: scripts/install.sh \(ShellWords.quote(install.cniPath.split(separator: ":").first.map(String.init) ?? CNIDefaults.pluginDirectory))"]))
        }
        return out
    }

    // MARK: - Lease

    func leaseProblems() -> [Problem] {
        let lease = install.lease
        let from = lease.source
        guard install.leaseNeeded else { return [] }
        switch lease.state {
        case .parsed(_, let inconsistencies):
            guard !inconsistencies.isEmpty else { return [] }
            return [Problem(kind: .leaseInvalid, subject: lease.path,
                            summary: "\(lease.path) is inconsistent: \(inconsistencies[0])",
                            details: inconsistencies + ["path from \(from)"],
                            advice: ["flanneld rewrites it when it (re)acquires the lease: restart flanneld on this node"])]
        case .missing(let message):
            return [Problem(kind: .leaseMissing, subject: lease.path,
                            summary: "\(lease.path) is missing: flannel's ADD fails (\"failed to load flannel 'subnet.env' file\")",
                            details: [message, "path from \(from)"],
                            advice: ["flanneld writes it once it has a lease: is flanneld running on this node? (kubectl -n kube-flannel get pods -o wide; its log)"])]
        case .unreadable(let message):
            return [Problem(kind: .leaseMissing, subject: lease.path, summary: "\(lease.path) cannot be read: \(message)",
                            details: ["path from \(from)"], advice: ["it must be a readable regular file written by flanneld"])]
        case .refused(let message, let line, let keys):
            var details = [message]
            if !keys.isEmpty { details.append("missing keys: " + keys.joined(separator: ", ")) }
            if let line { details.append("at line \(line)") }
            details.append("path from \(from)")
            let what = keys.isEmpty ? "does not parse" : "lacks \(keys.joined(separator: ", "))"
            return [Problem(kind: .leaseInvalid, subject: lease.path,
                            summary: "\(lease.path) \(what): flannel's ADD fails",
                            details: details,
                            advice: ["flanneld writes FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ: restart flanneld, or fix the file by hand"])]
        }
    }

    // MARK: - Leftovers

    func leftoverProblems() -> [Problem] {
        var out: [Problem] = []
        for entry in install.cachedResults {
            if let id = entry.containerID, liveContainerIDs.contains(id) { continue }
            if entry.netnsExists == true { continue }
            let what = [entry.network.map { "network \($0)" }, entry.containerID.map { "container \($0)" },
                        entry.ifname.map { "ifname \($0)" }].compactMap { $0 }.joined(separator: ", ")
            let why = entry.error.map { "unreadable cache entry (\($0))" }
                ?? "its pod is gone (netns \(entry.netns ?? "-") no longer exists) but the runtime never ran DEL"
            out.append(Problem(kind: .staleResultCache, subject: entry.containerID ?? entry.path,
                               summary: "libcni result cache entry \(entry.path): \(why)",
                               details: what.isEmpty ? [] : [what],
                               steps: [.removeFile(path: entry.path)]))
        }
        for t in install.tempFiles where t.writerAlive == false {
            out.append(Problem(kind: .abandonedTempFile, subject: t.path,
                               summary: "\(t.path): temp file of a write interrupted by a crash (writer pid \(t.pid) is gone)",
                               steps: [.removeFile(path: t.path)]))
        }
        return out
    }

    func firstLine(_ text: String) -> String { TextLines.split(text).first ?? text }

    /// Everything a gone container left is one problem: a stale cache entry of a container the
    /// node problems already name joins that problem (a detail and a last cleanup step).
    public static func grouping(_ install: [Problem], into node: [Problem]) -> [Problem] {
        let containerKinds: [Problem.Kind] = [.staleContainer, .leakedIP, .savedConfigWithoutIP, .staleRules]
        var node = node
        var rest: [Problem] = []
        for p in install {
            guard p.kind == .staleResultCache,
                  let i = node.firstIndex(where: { containerKinds.contains($0.kind) && $0.subject == p.subject }) else {
                rest.append(p)
                continue
            }
            node[i].details.append(p.summary)
            node[i].steps += p.steps
        }
        return rest + node
    }
}

/// Path text helpers (pure).
enum FileSystemPath {
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

extension Problem.Kind {
    /// Problems that keep pods from getting a network; the verdict names the first of them.
    public var isBlocking: Bool {
        switch self {
        case .noNetworkConfig, .invalidConfig, .shadowedConfig, .missingPlugin, .pluginCannotStart, .unsupportedVersion,
             .leaseMissing, .leaseInvalid:
            return true
        default:
            return false
        }
    }
}

/// The answer to "why has this node no pod network?" in one line.
public struct Verdict: Sendable, Equatable {
    public var ready: Bool
    public var text: String
    public var firstBlocking: Problem?
    public var blockingCount: Int

    public init(problems: [Problem]) {
        firstBlocking = problems.first { $0.kind.isBlocking }
        blockingCount = problems.filter { $0.kind.isBlocking }.count
        ready = firstBlocking == nil
        text = firstBlocking.map { "NOT ready: \($0.summary)" } ?? "node ready for pods"
    }
}
