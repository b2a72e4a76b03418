import CNIValues

/// What the inspector found out about one plugin executable the runtime will run: where it is,
/// whether it starts (its answer to `CNI_COMMAND=VERSION`), which versions it speaks, which
/// program it says it is and which build it is. Filled by `PluginProber`; judged by `InstallFinder`.
public struct PluginCheck: Sendable, Equatable {
    public var type: String
    /// Who runs it (`cbr0 plugins[1]`, `containerd (every pod's lo)`).
    public var neededBy: [String]
    /// The executable found in the plugin path (first match, as libcni's `FindInPath`).
    public var path: String?
    /// Files of that name in the plugin path that are not executable.
    public var notExecutable: [String] = []
    /// VERSION could not be run at all (`fork/exec <path>: exec format error`).
    public var spawnError: String?
    /// VERSION's exit status, output and whether it was killed at the timeout.
    public var exitStatus: Int32?
    public var timedOut = false
    public var stdout = ""
    public var stderr = ""
    /// `supportedVersions` of a VERSION answer that parsed.
    public var supportedVersions: [String]?
    /// The first line the plugin prints when run without CNI_COMMAND (`CNI bridge plugin v1.5.1`).
    public var about: String?
    /// The ELF build-id (hex), nil when the file has none or is not ELF (`buildNote` says which).
    public var buildID: String?
    public var buildNote: String?
    /// The architecture the ELF file is built for (`e_machine`), nil when it is not ELF.
    package var machine: ELFMachine?

    public init(type: String, neededBy: [String], path: String? = nil) {
        self.type = type
        self.neededBy = neededBy
        self.path = path
    }

    /// The suite's own plugins announce themselves as `CNI <name> plugin (swift-cni-plugins)`.
    public static let suiteMarker = "(swift-cni-plugins)"
    /// The plugin names this suite installs.
    public static let suiteNames = ["flannel", "bridge", "host-local", "portmap", "loopback", "bandwidth"]

    public var isOurs: Bool { about?.contains(Self.suiteMarker) ?? false }

    /// Found and answered VERSION.
    public var starts: Bool { path != nil && supportedVersions != nil }

    /// The architecture it is built for when that is not the one this inspector runs on (the
    /// kernel refuses to exec it: "exec format error").
    package var foreignMachine: ELFMachine? {
        guard let machine, let current = ELFMachine.current, machine != current else { return nil }
        return machine
    }

    /// Why it does not start, in the words of whoever refused (the loader, the kernel, the plugin).
    public var startFailure: String? {
        guard path != nil, supportedVersions == nil else { return nil }
        if let foreign = foreignMachine, let current = ELFMachine.current {
            let refusal = spawnError ?? "exec format error"
            return "built for \(foreign), this node runs \(current) (\(refusal))"
        }
        if let spawnError { return spawnError }
        if timedOut { return "no answer to VERSION within the timeout (killed)" }
        let err = stderr.trimmingBlanks(), out = stdout.trimmingBlanks()
        let shown = [err, out].filter { !$0.isEmpty }.joined(separator: "\n")
        if let status = exitStatus, status != 0 {
            return "VERSION exited with status \(status)" + (shown.isEmpty ? "" : ": \(shown)")
        }
        return "VERSION answer is not a CNI version reply" + (out.isEmpty ? " (empty)" : ": \(out)")
    }

    /// `{"cniVersion": ..., "supportedVersions": [...]}` → the versions (nil when it is not that).
    public static func supportedVersions(inVersionReply text: String) -> [String]? {
        guard let o = (try? JSONParser.parse(text))?.objectValue,
              let list = o["supportedVersions"]?.arrayValue else { return nil }
        let versions = list.compactMap(\.stringValue)
        return versions.count == list.count ? versions : nil
    }

    /// The first non-empty line of a plugin's no-command output.
    public static func aboutLine(_ text: String) -> String? {
        TextLines.split(text).map { $0.trimmingBlanks() }.first { !$0.isEmpty }
    }
}
