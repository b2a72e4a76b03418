import CNISystem
import CNIValues

/// Gathers an `InstallSnapshot`: reads the config directory, probes the plugins (each run
/// directly — no shell — with a timeout), reads the lease and scans the state directories.
/// Nothing here is fatal: what cannot be read is part of the answer.
struct InstallCollector {
    let options: InspectOptions

    /// The environment plugins are probed with: CNI_COMMAND and a PATH, nothing inherited.
    static let probePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Bytes read from each executable for its ELF header and build-id note.
    static let elfPrefix = 1 << 20

    func collect() -> InstallSnapshot {
        let selection = configSelection(options.netconfDirectory)
        var install = InstallSnapshot(selection: selection, cniPath: options.cniPath,
                                      lease: LeaseCheck(path: options.subnetFile, source: "--subnet-file", state: .missing("")),
                                      cacheDirectory: options.cacheDirectory)
        let network = install.checkedNetwork
        install.plugins = plugins(for: network)
        install.inspectorBuildID = Self.buildID(of: "/proc/self/exe").id
        install.lease = lease(network)
        install.cachedResults = cachedResults()
        install.tempFiles = tempFiles(network)
        return install
    }

    // MARK: - Config directory

    func configSelection(_ dir: String) -> ConfigSelection {
        let names: [String]
        do {
            names = try FileSystem.listDirectory(dir)
        } catch {
            if error.errno == .noSuchFileOrDirectory { return ConfigSelection(directory: dir) }
            return ConfigSelection(directory: dir, listError: "\(error)")
        }
        var files: [NetConfFile] = [], ignored: [String] = []
        for name in names {
            let path = dir.hasSuffix("/") ? dir + name : "\(dir)/\(name)"
            guard let format = NetConfFile.format(ofFileName: name), !FileSystem.isDirectory(path) else {
                ignored.append(name)
                continue
            }
            do {
                let bytes = try FileSystem.readFile(path, limit: NetConfFile.sizeLimit)
                files.append(NetConfFile(path: path, format: format, bytes: bytes))
            } catch {
                let message = error.errno == .fileTooLarge
                    ? "larger than containerd's \(NetConfFile.sizeLimit >> 20) MiB limit for a config file" : "\(error)"
                files.append(NetConfFile(path: path, format: format, failure: NetConfFile.Failure(message)))
            }
        }
        return ConfigSelection(directory: dir, files: files, ignored: ignored)
    }

    // MARK: - Plugins

    func plugins(for network: NetConfList?) -> [PluginCheck] {
        var checks: [PluginCheck] = []
        for (type, by) in InstallSnapshot.neededExecutables(network) {
            if let i = checks.firstIndex(where: { $0.type == type }) { checks[i].neededBy.append(by) } else {
                checks.append(PluginCheck(type: type, neededBy: [by]))
            }
        }
        // The suite's other plugins, when installed, count for "ours" and "mixed builds".
        for name in PluginCheck.suiteNames where !checks.contains(where: { $0.type == name }) {
            if lookUp(name).path != nil { checks.append(PluginCheck(type: name, neededBy: [])) }
        }
        let version = network?.cniVersion.isEmpty == false ? network?.cniVersion ?? "1.0.0" : "1.0.0"
        return checks.map { probe($0, version: version) }
    }

    /// libcni's `FindInPath`: the first regular file of that name along the plugin path (the exec
    /// bit is not checked there: a non-executable first match fails the ADD).
    func lookUp(_ type: String) -> (path: String?, notExecutable: [String]) {
        guard !type.isEmpty, !type.contains("/") else { return (nil, []) }
        for dir in options.cniPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = dir.hasSuffix("/") ? "\(dir)\(type)" : "\(dir)/\(type)"
            if FileSystem.isExecutable(candidate) { return (candidate, []) }
            if FileProbe.isPresentButNotExecutable(candidate) { return (nil, [candidate]) }
        }
        return (nil, [])
    }

    func probe(_ check: PluginCheck, version: String) -> PluginCheck {
        var c = check
        let found = lookUp(c.type)
        c.path = found.path
        c.notExecutable = found.notExecutable
        guard let path = found.path else { return c }
        let build = Self.buildID(of: path)
        c.buildID = build.id
        c.buildNote = build.note
        c.machine = build.machine
        do {
            let r = try Program.run(path, arguments: [], environment: ["CNI_COMMAND=VERSION", Self.probePath],
                                       stdin: Array(#"{"cniVersion":"\#(version)"}"#.utf8), timeoutSeconds: options.pluginTimeout)
            c.exitStatus = r.exitStatus
            c.timedOut = r.timedOut
            c.stdout = String(r.stdoutText.prefix(4096))
            c.stderr = String(r.stderrText.prefix(4096))
            if r.succeeded && !r.timedOut { c.supportedVersions = PluginCheck.supportedVersions(inVersionReply: r.stdoutText) }
        } catch {
            c.spawnError = "\(error)"
            return c
        }
        guard c.supportedVersions != nil else { return c }
        if let r = try? Program.run(path, arguments: [], environment: [Self.probePath], timeoutSeconds: options.pluginTimeout),
           !r.timedOut {
            c.about = PluginCheck.aboutLine(r.stderrText) ?? PluginCheck.aboutLine(r.stdoutText).map { String($0.prefix(200)) }
        }
        return c
    }

    /// The ELF build-id of an executable (or a note saying why there is none) and the
    /// architecture it is built for.
    static func buildID(of path: String) -> (id: String?, note: String?, machine: ELFMachine?) {
        guard let bytes = try? FileProbe.readPrefix(path, count: elfPrefix) else { return (nil, "unreadable", nil) }
        let machine = ELFMachine.parse(bytes)
        switch ELFBuildID.parse(bytes) {
        case .notELF: return (nil, "not an ELF file", machine)
        case .none: return (nil, "ELF without a build-id note", machine)
        case .id(let id): return (ELFBuildID.id(id).hex, nil, machine)
        }
    }

    // MARK: - Lease

    func lease(_ network: NetConfList?) -> LeaseCheck {
        let path: String, source: String
        if let file = network?.flannel?.subnetFile, !file.isEmpty {
            path = file
            source = "subnetFile of network \"\(network?.name ?? "")\""
        } else {
            path = options.subnetFile
            source = network?.flannel != nil ? "flannel's default (the conflist sets no subnetFile)" : "--subnet-file"
        }
        do {
            let bytes = try FileSystem.readFile(path, limit: 1 << 20)
            return LeaseCheck(path: path, source: source, text: String(decoding: bytes, as: UTF8.self))
        } catch {
            let state: LeaseCheck.State = error.errno == .noSuchFileOrDirectory ? .missing("\(error)") : .unreadable("\(error)")
            return LeaseCheck(path: path, source: source, state: state)
        }
    }

    // MARK: - Leftovers

    var resultsDirectory: String { options.cacheDirectory + "/results" }

    func cachedResults() -> [CachedResult] {
        guard let names = try? FileSystem.listDirectory(resultsDirectory) else { return [] }
        var out: [CachedResult] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = "\(resultsDirectory)/\(name)"
            guard !FileSystem.isDirectory(path), let bytes = try? FileSystem.readFile(path, limit: 1 << 20) else { continue }
            var entry = CachedResult(path: path, bytes: bytes)
            if let netns = entry.netns, !netns.isEmpty { entry.netnsExists = FileSystem.fileExists(netns) }
            out.append(entry)
        }
        return out
    }

    /// The suite's state directories: flannel's saved configs, host-local's store (each
    /// network), libcni's result cache.
    func tempFiles(_ network: NetConfList?) -> [TempFile] {
        let flannelDir = network?.flannel?.dataDir ?? options.flannelDirectory
        let ipamRoot = network?.flannel?.ipamDataDir ?? options.ipamDirectory
        var dirs = [flannelDir, ipamRoot, resultsDirectory]
        for name in (try? FileSystem.listDirectory(ipamRoot))?.sorted() ?? [] where !name.hasPrefix(".") {
            if FileSystem.isDirectory("\(ipamRoot)/\(name)") { dirs.append("\(ipamRoot)/\(name)") }
        }
        var out: [TempFile] = []
        var seen = Set<String>()
        for dir in dirs where seen.insert(dir).inserted {
            for name in (try? FileSystem.listDirectory(dir))?.sorted() ?? [] {
                guard let pid = TempFile.writerPID(ofFileName: name) else { continue }
                out.append(TempFile(path: "\(dir)/\(name)", pid: pid, writerAlive: ProcessProbe.exists(pid)))
            }
        }
        return out
    }
}
