import Foundation

/// Finds the built multicall executable and lays out a CNI_PATH directory for it.
public enum PluginBinaries {
    /// The plugin names the multicall binary answers to.
    public static let pluginNames = ["bridge", "host-local", "portmap", "loopback", "flannel"]

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

    /// A temp directory holding `bridge`, `host-local`, `portmap`, `loopback`, `flannel` symlinks to
    /// the multicall binary, for use as CNI_PATH. Created once per test process.
    public static func makePluginDir() -> String {
        lock.lock()
        defer { lock.unlock() }
        if let existing = cachedPluginDir { return existing }
        let dir = "/tmp/cni-plugins-\(getpid())-\(String(format: "%08x", UInt32.random(in: 0...UInt32.max)))"
        let fm = FileManager.default
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = executable ?? "/nonexistent/cni-plugins (not built? set CNI_PLUGINS_BIN)"
        for name in pluginNames {
            try? fm.createSymbolicLink(atPath: "\(dir)/\(name)", withDestinationPath: target)
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
