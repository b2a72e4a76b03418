import CNIProtocol
import CNISystem
import CNIValues

/// Finds why the node cannot give pods a network (pure), in the order the runtime meets the
/// causes: the config directory, the plugins of the selected network, flannel's lease; then
/// leftovers that do not block pods (libcni's result cache, temp files of interrupted writes).
struct InstallFinder: Sendable {
    let install: InstallSnapshot
    /// Container IDs that have a live pod (from the node snapshot).
    let liveContainerIDs: Set<String>

    init(install: InstallSnapshot, liveContainerIDs: Set<String> = []) {
        self.install = install
        self.liveContainerIDs = liveContainerIDs
    }

    func problems() -> [Problem] {
        configProblems() + pluginProblems() + leaseProblems() + buildProblems() + leftoverProblems()
    }

    // MARK: - Config directory

    func configProblems() -> [Problem] {
        let sel = install.selection
        guard let selected = sel.selected else { return [.noNetworkConfig(in: sel)] }
        let intended = sel.intended
        if let failure = selected.failure {
            return [.invalidConfig(selected, failure: failure, shadowing: intended, firstValid: sel.firstValid)]
        }
        if let intended, intended.path != selected.path, let mine = intended.network {
            return [.shadowedConfig(selected, shadowing: intended, network: mine)]
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
            guard let path = p.path else {
                if let file = p.notExecutable.first {
                    out.append(.pluginNotExecutable(p, file: file))
                } else {
                    out.append(.missingPlugin(p, cniPath: install.cniPath, directories: dirs, installInto: firstDir))
                }
                continue
            }
            if let failure = p.startFailure {
                out.append(.pluginCannotStart(p, path: path, failure: failure, directory: FileSystem.directoryName(of: path)))
                continue
            }
            // libcni hands the list's cniVersion to each plugin it runs; containerd's own loopback
            // network is 0.3.1 whatever the list says.
            if !version.isEmpty, listTypes.contains(p.type), let supported = p.supportedVersions, !supported.contains(version) {
                let network = install.checkedNetwork?.name ?? "?"
                out.append(.unsupportedVersion(p, path: path, version: version, network: network, supported: supported))
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
            out.append(.pluginReplaced(p, path: path, directory: FileSystem.directoryName(of: path), ours: ours))
        }
        var builds: [String: [String]] = [:]
        for p in ours { builds[p.buildID ?? "(no build-id)", default: []].append(p.type) }
        if builds.count > 1 {
            out.append(.mixedBuilds(cniPath: install.cniPath, builds: builds, inspectorBuildID: install.inspectorBuildID))
        }
        return out
    }

    // MARK: - Lease

    func leaseProblems() -> [Problem] {
        let lease = install.lease
        guard install.leaseNeeded else { return [] }
        switch lease.state {
        case .parsed(_, let inconsistencies):
            return inconsistencies.isEmpty ? [] : [.leaseInconsistent(lease, inconsistencies)]
        case .missing(let message):
            return [.leaseMissing(lease, message: message)]
        case .unreadable(let message):
            return [.leaseUnreadable(lease, message: message)]
        case .refused(let message, let line, let keys):
            return [.leaseRefused(lease, message: message, line: line, missingKeys: keys)]
        }
    }

    // MARK: - Leftovers

    func leftoverProblems() -> [Problem] {
        var out: [Problem] = []
        for entry in install.cachedResults {
            if let id = entry.containerID, liveContainerIDs.contains(id) { continue }
            if entry.netnsExists == true { continue }
            out.append(.staleResultCache(entry))
        }
        for t in install.tempFiles where t.writerAlive == false {
            out.append(.abandonedTempFile(t))
        }
        return out
    }

    /// Everything a gone container left is one problem: a stale cache entry of a container the
    /// node problems already name joins that problem (a detail and a last cleanup step).
    static func grouping(_ install: [Problem], into node: [Problem]) -> [Problem] {
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
