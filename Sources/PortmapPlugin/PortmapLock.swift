import CNISystem

/// A host-wide lock serialising portmap's read-modify-write of the iptables nat table.
enum PortmapLock {
    static let path = "/run/lock/cni-portmap.lock"
    static let fallbackPath = "/run/cni-portmap.lock"

    /// Runs `body` under the lock; when no lock file can be opened, runs it unlocked (the
    /// restore batches are still atomic, and failures are retried).
    static func withLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = FileSystem.isDirectory("/run/lock") ? path : fallbackPath
        var entered = false
        do {
            return try FileLock.withExclusiveLock(path: lockPath) {
                entered = true
                return try body()
            }
        } catch where !entered {
            return try body()
        }
    }
}
