import Glibc

/// The complete content of a state file before it gets a name: an anonymous inode opened with
/// `O_TMPFILE` in the target's directory (freed by the kernel if the process dies), or, where the
/// filesystem has no `O_TMPFILE` (EOPNOTSUPP, or EISDIR from kernels that do not know the flag),
/// a named temp file following `FileSystem.temporaryFileName`, unlinked again unless renamed.
final class StagedFile {
    let target: String
    let directory: String
    let base: String
    /// The anonymous inode, or the fallback temp file's descriptor (closed once written).
    private let fd: FileDescriptor
    /// The fallback temp file while this object still owns it.
    private var temporaryPath: String?

    init(for target: String, _ bytes: [UInt8], mode: mode_t, sync: Bool, anonymous: Bool) throws(SystemError) {
        self.target = target
        directory = FileSystem.directoryName(of: target)
        base = String(decoding: Array(target.utf8).split(separator: UInt8(ascii: "/")).last ?? [], as: UTF8.self)
        var opened: (fd: Int32, temp: String?)? = nil
        if anonymous {
            let raw = system_open(directory, __O_TMPFILE | O_WRONLY, mode)
            if raw >= 0 {
                opened = (raw, nil)
            } else {
                let e = Errno.current
                guard e == .notSupported || e == .isDirectory else {
                    throw SystemError(operation: "open", path: target, errno: e)
                }
            }
        }
        if opened == nil { opened = try Self.createNamedTemporaryFile(directory: directory, base: base, mode: mode) }
        guard let (raw, temp) = opened else { throw SystemError(operation: "open", path: target, errno: .invalidArgument) }
        fd = FileDescriptor(owning: raw)
        temporaryPath = temp
        do {
            _ = try check(system_fchmod(raw, mode), "chmod", target)
            try fd.writeAll(bytes, path: target)
            if sync { try fd.sync(path: target) }
        } catch {
            discard()
            throw error
        }
    }

    deinit { discard() }

    /// Gives the content the name `path`: EEXIST (`open <path>: file exists`) when it is taken.
    func link(to path: String) throws(SystemError) {
        defer { discard() }
        let r: Int32
        if let temp = temporaryPath {
            r = system_link(temp, path)
        } else {
            r = system_linkat(procPath, path)
        }
        if r != 0 { throw SystemError(operation: "open", path: path, errno: .current) }
    }

    /// Links the content to a fresh `FileSystem.temporaryFileName` beside the target and returns
    /// that path; the caller renames it (and unlinks it if the rename fails).
    func linkUnderTemporaryName() throws(SystemError) -> String {
        if let temp = temporaryPath {
            temporaryPath = nil
            fd.close()
            return temp
        }
        defer { fd.close() }
        var attempt = 0
        while true {
            let temp = directory + "/" + FileSystem.temporaryFileName(for: base)
            if system_linkat(procPath, temp) == 0 { return temp }
            let e = Errno.current
            attempt += 1
            if e == .fileExists && attempt < 100 { continue }
            throw SystemError(operation: "open", path: target, errno: e)
        }
    }

    private var procPath: String { "/proc/self/fd/\(fd.rawValue)" }

    private func discard() {
        fd.close()
        if let temp = temporaryPath { _ = system_unlink(temp) }
        temporaryPath = nil
    }

    private static func createNamedTemporaryFile(directory: String, base: String, mode: mode_t) throws(SystemError) -> (Int32, String?) {
        var attempt = 0
        while true {
            let temp = directory + "/" + FileSystem.temporaryFileName(for: base)
            let raw = system_open(temp, O_WRONLY | O_CREAT | O_EXCL, mode)
            if raw >= 0 { return (raw, temp) }
            let e = Errno.current
            attempt += 1
            if e == .fileExists && attempt < 100 { continue }
            throw SystemError(operation: "open", path: temp, errno: e)
        }
    }
}
