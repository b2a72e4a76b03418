import CNIProtocol
import CNISystem

/// The delegate configs saved by ADD for DEL: one file per container, `<dataDir>/<containerID>`,
/// holding the exact bytes sent to the delegate (the reference's layout, so files written by
/// flannel-io/cni-plugin are read too). Written atomically (`FileSystem.createFileExclusively`, or
/// `FileSystem.writeFileAtomically` over a config saved by an earlier ADD),
/// mode 0600, directory 0700. Beside them, ours only and hidden (no container ID starts with a
/// dot): `.boot_id`, the boot the saved configs belong to, and `.lock`, held while that changes.
struct DelegateConfigStore: Sendable {
    static let bootFileName = ".boot_id"
    static let lockFileName = ".lock"

    let directory: String
    /// Whether saves are fsynced (see `FlannelConfig.releaseOnReboot`).
    let durable: Bool

    init(directory: String, durable: Bool = true) {
        self.directory = directory
        self.durable = durable
    }

    func path(containerID: String) -> String {
        file(containerID)
    }

    func save(containerID: String, _ bytes: [UInt8]) throws(CNIError) {
        do {
            try FileSystem.makeDirectory(directory, mode: 0o700)
            // The usual case, a new container: the complete content is linked straight to its
            // name (no temp name, no rename). A repeated ADD replaces the file atomically.
            do {
                try FileSystem.createFileExclusively(path(containerID: containerID), bytes, mode: 0o600, durable: durable)
            } catch where error.errno == .fileExists {
                try FileSystem.writeFileAtomically(path(containerID: containerID), bytes, mode: 0o600, durable: durable)
            }
        } catch {
            throw CNIError.internalFailure("failed to save the delegate config: \(error)")
        }
    }

    /// The saved bytes, or nil when there is no file.
    func load(containerID: String) throws(CNIError) -> [UInt8]? {
        do {
            return try FileSystem.readFile(path(containerID: containerID))
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch {
            throw CNIError.internalFailure("failed to read the saved delegate config: \(error)")
        }
    }

    /// Removes the saved config and any temp file of this container whose writer is gone (an ADD
    /// killed between link and rename).
    func remove(containerID: String) throws(CNIError) {
        do {
            try FileSystem.removeFileIfPresent(path(containerID: containerID))
        } catch {
            throw CNIError.internalFailure("failed to remove the saved delegate config: \(error)")
        }
        removeAbandonedTemporaryFiles(of: containerID)
    }

    /// Temp files (of `containerID`, or of every container) whose writer process is gone.
    @discardableResult
    func removeAbandonedTemporaryFiles(of containerID: String? = nil) -> [String] {
        FileSystem.removeTemporaryFiles(in: directory, base: containerID, onlyAbandoned: true)
    }

    /// Container IDs with a saved config, sorted. Temp files, `.boot_id`, `.lock` and names that
    /// are not valid container IDs are skipped; a missing directory is empty.
    func containerIDs() throws(CNIError) -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        do {
            return try FileSystem.listDirectory(directory).filter(Validation.isValidIdentifier).sorted()
        } catch {
            throw CNIError.internalFailure("failed to list \(directory): \(error)")
        }
    }

    /// Before saving: when the directory records another boot than `boot`, drops every saved config
    /// and temp file (they belong to pods that a reboot ended; host-local releases their addresses
    /// the same way), then records `boot`. The fast path is one read; the change happens under
    /// `.lock`, so concurrent first ADDs of a boot sweep once and never drop each other's configs
    /// (a config is saved only after its ADD saw the record of the running boot). A directory
    /// without a record is adopted. Returns the container IDs dropped.
    @discardableResult
    func enterBoot(_ boot: String) throws(CNIError) -> [String] {
        let record = file(Self.bootFileName)
        if BootID.recorded(in: record) == boot { return [] }
        do {
            try FileSystem.makeDirectory(directory, mode: 0o700)
            return try FileLock.withExclusiveLock(path: file(Self.lockFileName)) { () throws -> [String] in
                let previous = BootID.recorded(in: record)
                if previous == boot { return [] }
                var dropped: [String] = []
                if previous != nil {
                    for id in try containerIDs() where try FileSystem.removeFileIfPresent(file(id)) { dropped.append(id) }
                    FileSystem.removeTemporaryFiles(in: directory, onlyAbandoned: false)
                }
                try BootID.record(boot, in: record)
                return dropped
            }
        } catch {
            throw CNIError.internalFailure("failed to record the boot in \(directory): \(error)")
        }
    }

    private func file(_ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
