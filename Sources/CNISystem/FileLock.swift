import Glibc

/// An advisory whole-file lock (flock(2)), as host-local's disk store takes on its directory lock file.
package enum FileLock {
    /// Creates the lock file if needed (mode 0600), blocks for LOCK_EX, runs `body`, unlocks.
    /// Separate calls exclude each other across processes and across threads (each call opens its own
    /// file description).
    package static func withExclusiveLock<T>(path: String, _ body: () throws -> T) throws -> T {
        let fd = try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o600)
        _ = try check(system_flock(fd.rawValue, LOCK_EX), "flock", path)
        defer {
            _ = system_flock(fd.rawValue, LOCK_UN)
            fd.close()
        }
        return try body()
    }
}
