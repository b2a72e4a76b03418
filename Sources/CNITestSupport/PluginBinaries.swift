import Foundation

/// Finds the built multicall executable and lays out a CNI_PATH directory for it.
public enum PluginBinaries {
    /// The plugin names the multicall binary answers to.
    public static let pluginNames = ["bridge", "host-local", "portmap", "loopback", "flannel", "bandwidth"]

    /// Debian's containernetworking-plugins, for comparison tests.
    public static let referencePluginDir = "/usr/lib/cni"

    public static var hasReferencePlugins: Bool {
        FileManager.default.isExecutableFile(atPath: referencePluginDir + "/bridge")
    }

    /// The `cni-plugins` executable: $CNI_PLUGINS_BIN, else the first `cni-plugins` found walking up
    /// from the test bundle's directory (SwiftPM puts both in the same build directory).
    public static var executable: String? {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["CNI_PLUGINS_BIN"], !explicit.isEmpty {
            return explicit
        }
        guard let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("cni-plugins").path
            if fm.isExecutableFile(atPath: candidate) && !isDirectory(candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }

    /// `executable`, or an error saying how to build it.
    public static func requireExecutable() throws -> String {
        guard let executable else { throw MissingPluginBinary() }
        return executable
    }

    /// A directory holding `bridge`, `host-local`, `portmap`, `loopback`, `flannel`, `bandwidth` symlinks to
    /// the multicall binary, for use as CNI_PATH: `plugin-links/` beside the binary (so nothing
    /// accumulates in /tmp), refreshed once per test process.
    public static func makePluginDir() -> String {
        lock.lock()
        defer { lock.unlock() }
        if let existing = cachedPluginDir { return existing }
        let fm = FileManager.default
        let target = executable ?? "/nonexistent/cni-plugins (not built? set CNI_PLUGINS_BIN)"
        let dir = executable.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("plugin-links").path }
            ?? "/tmp/cni-plugin-links-\(getpid())"
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in pluginNames {
            let link = "\(dir)/\(name)"
            if (try? fm.destinationOfSymbolicLink(atPath: link)) == target { continue }
            // Replace atomically: a concurrent test process may be using the directory.
            let temp = "\(link).\(getpid())"
            try? fm.removeItem(atPath: temp)
            try? fm.createSymbolicLink(atPath: temp, withDestinationPath: target)
            _ = rename(temp, link)
        }
        cachedPluginDir = dir
        return dir
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cachedPluginDir: String?
}

/// The multicall executable was not found next to the tests.
public struct MissingPluginBinary: Error, CustomStringConvertible {
    public var description: String { "cni-plugins is not built (swift build, or set CNI_PLUGINS_BIN)" }
}
