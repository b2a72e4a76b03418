import CNIProtocol
import CNISystem

/// The delegate configs saved by ADD for DEL: one file per container, `<dataDir>/<containerID>`,
/// holding the exact bytes sent to the delegate (the reference's layout, so files written by
/// flannel-io/cni-plugin are read too). Written atomically, mode 0600, directory 0700.
public struct DelegateConfigStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func path(containerID: String) -> String {
        directory.hasSuffix("/") ? directory + containerID : directory + "/" + containerID
    }

    public func save(containerID: String, _ bytes: [UInt8]) throws(CNIError) {
        do {
            try FileSystem.makeDirectory(directory, mode: 0o700)
            try FileSystem.writeFileAtomically(path(containerID: containerID), bytes, mode: 0o600)
        } catch {
            throw CNIError.internalFailure("failed to save the delegate config: \(error)")
        }
    }

    /// The saved bytes, or nil when there is no file.
    public func load(containerID: String) throws(CNIError) -> [UInt8]? {
        do {
            return try FileSystem.readFile(path(containerID: containerID))
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch {
            throw CNIError.internalFailure("failed to read the saved delegate config: \(error)")
        }
    }

    public func remove(containerID: String) throws(CNIError) {
        do {
            try FileSystem.removeFileIfPresent(path(containerID: containerID))
        } catch {
            throw CNIError.internalFailure("failed to remove the saved delegate config: \(error)")
        }
    }

    /// Container IDs with a saved config, sorted. Temp files of interrupted writes (`.name.tmp-…`)
    /// and names that are not valid container IDs are skipped; a missing directory is empty.
    public func containerIDs() throws(CNIError) -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        do {
            return try FileSystem.listDirectory(directory).filter(Validation.isValidIdentifier).sorted()
        } catch {
            throw CNIError.internalFailure("failed to list \(directory): \(error)")
        }
    }
}
