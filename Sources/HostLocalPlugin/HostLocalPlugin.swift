import CNIProtocol
import CNISystem
import CNIValues
import HostLocalStore

/// The `host-local` IPAM plugin: hands out addresses from configured ranges, recorded in a
/// per-network directory shared (format and lock) with the reference plugin.
///
/// Every verb holds the store's flock for its whole duration (all range sets of an ADD, the whole
/// DEL), so concurrent invocations for different containers never see each other half-done.
package struct HostLocalPlugin: CNIPlugin {
    package let name = "host-local"
    package var knownArgs: Set<String> { ["IP"] }

    package init() {}

    package func add(_ context: PluginContext) throws -> CNIResult {
        let config = try HostLocalConfig(config: context.config, environmentArgs: context.environment.args)
        // Requested IPs that no range set can take fail before the store is touched.
        let assignment = try RangeSet.assign(config.requestedIPs, to: config.rangeSets)
        let dns = try config.resolvConf.map { try ResolvConf.load(path: $0) } ?? CNIResult.DNS()
        let boot = config.releaseOnReboot ? BootID.current() : nil
        let store = DiskStore(directory: config.storeDirectory, durable: boot == nil)
        do {
            try store.create()
        } catch {
            throw CNIError.internalFailure("host-local: cannot create the store \(store.directory): \(error)")
        }
        let ips = try store.withLock {
            if let boot, let transition = try store.enterBoot(boot), !transition.released.isEmpty {
                Self.log("released \(transition.released.count) reservation(s) of an earlier boot"
                    + " (boot id \(transition.previousBoot ?? "?"), now \(boot)) in \(store.directory): "
                    + transition.released.map(\.description).joined(separator: ", "))
            }
            // One directory listing for the sweep and the allocation (after enterBoot's changes).
            let listed = try store.listedOnce()
            listed.removeOrphanedTemporaryFiles()
            return try Allocator(store: listed).allocate(config.rangeSets, assignment: assignment, for: context.attachment)
        }
        return CNIResult(ips: ips, routes: config.routes, dns: dns)
    }

    static func log(_ message: String) {
        Log.warning(plugin: "host-local", message)
    }

    /// Releases everything the attachment holds. Unknown attachments, repeated DELs (also the DEL of
    /// a container whose reservation a reboot released) and a missing store directory are all
    /// success; no netns is needed.
    package func del(_ context: PluginContext) throws {
        let store = DiskStore(directory: try HostLocalConfig.storeDirectory(config: context.config))
        guard store.exists else { return }
        try store.withLock {
            let listed = try store.listedOnce()
            _ = try Allocator(store: listed).release(context.attachment)
            // What an ADD or DEL killed between link and rename left (every writer holds the lock).
            listed.removeOrphanedTemporaryFiles()
        }
    }

    /// Succeeds while the container still holds an address in the store (as the reference, it
    /// does not compare with prevResult).
    package func check(_ context: PluginContext) throws {
        let config = try HostLocalConfig(config: context.config, environmentArgs: context.environment.args)
        let store = DiskStore(directory: config.storeDirectory)
        let found = store.exists ? try store.withLock { try Allocator(store: store).holdsAddress(context.attachment) } : false
        guard found else {
            throw CNIError.internalFailure("host-local: Failed to find address added by container \(context.containerID)")
        }
    }

    /// Releases every reservation whose (containerID, ifname) is not in `cni.dev/valid-attachments`,
    /// and temp files orphaned by killed writers. Continues past errors, then reports them all.
    package func gc(_ context: PluginContext) throws {
        guard let valid = try context.config.validAttachments() else {
            throw CNIError.invalidConfig("GC needs cni.dev/valid-attachments: refusing to release every address")
        }
        let store = DiskStore(directory: try HostLocalConfig.storeDirectory(config: context.config))
        guard store.exists else { return }
        let errors = try store.withLock { () throws -> [String] in
            let outcome = try Allocator(store: store).collectGarbage(keeping: valid)
            store.removeOrphanedTemporaryFiles()
            return outcome.errors
        }
        guard errors.isEmpty else {
            throw CNIError.internalFailure("host-local GC in \(store.directory) failed for some reservations",
                                           details: errors.joined(separator: "; "))
        }
    }

    /// Ready when the store directory can be created and its lock file opened read-write and
    /// locked (a read-only or full filesystem, or a bad dataDir, fails with code 50).
    package func status(_ context: PluginContext) throws {
        let store = DiskStore(directory: try HostLocalConfig.storeDirectory(config: context.config))
        do {
            try store.create()
            try store.withLock {}
        } catch {
            throw CNIError(code: CNIError.pluginNotAvailable, "host-local store \(store.directory) is not usable: \(error)")
        }
    }
}
