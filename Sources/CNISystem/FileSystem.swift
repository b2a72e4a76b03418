import Glibc

/// Whole-file operations. State files are written atomically (temp → fsync → rename → fsync dir)
/// so a kill -9 never leaves a half-written reservation or saved config.
public enum FileSystem {
    /// Reads a whole file, failing with EFBIG past `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY)
        return try fd.readAll(limit: limit, path: path)
    }

    /// Replaces `path` atomically: a temp file in the same directory, fsync, rename, fsync the directory.
    /// With `durable: false` the fsyncs are skipped: still all-or-nothing against a killed process
    /// (rename is atomic), but a power loss may keep the old content — for hints such as
    /// host-local's `last_reserved_ip`, where that is harmless.
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t, durable: Bool = true) throws(SystemError) {
        let temp = try writeTemporaryFile(for: path, bytes, mode: mode, sync: durable)
        if system_rename(temp, path) != 0 {
            let error = SystemError(operation: "rename", path: path, errno: .current)
            _ = system_unlink(temp)
            throw error
        }
        if durable { syncDirectory(of: path) }
    }

    /// Creates `path` atomically and exclusively: the complete content is written to a temp file,
    /// then link(2)ed to `path` (EEXIST if present), so no empty or partial final file ever exists.
    /// The error for an existing file reads `open <path>: file exists`.
    public static func createFileExclusively(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(SystemError) {
        let temp = try writeTemporaryFile(for: path, bytes, mode: mode, sync: true)
        defer { _ = system_unlink(temp) }
        if system_link(temp, path) != 0 {
            throw SystemError(operation: "open", path: path, errno: .current)
        }
        syncDirectory(of: path)
    }

    /// unlink(2); a missing file is an error.
    public static func removeFile(_ path: String) throws(SystemError) {
        _ = try check(system_unlink(path), "remove", path)
    }

    /// unlink(2); returns false when the file was already gone.
    @discardableResult
    public static func removeFileIfPresent(_ path: String) throws(SystemError) -> Bool {
        if system_unlink(path) == 0 { return true }
        let e = Errno.current
        if e == .noSuchFileOrDirectory { return false }
        throw SystemError(operation: "remove", path: path, errno: e)
    }

    /// Entry names without `.` and `..`, in directory order.
    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        // glibc's opendir opens with O_CLOEXEC.
        guard let dir = system_opendir(path) else { throw SystemError(operation: "open", path: path, errno: .current) }
        defer { system_closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = system_readdir(dir) else {
                if errno != 0 { throw SystemError(operation: "readdirent", path: path, errno: .current) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let end = raw.firstIndex(of: 0) ?? raw.count
                return String(decoding: raw[0..<end], as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// mkdir(2), by default creating missing parents (`mkdir -p`). An existing directory is fine.
    public static func makeDirectory(_ path: String, mode: mode_t, recursive: Bool = true) throws(SystemError) {
        if system_mkdir(path, mode) == 0 { return }
        let e = Errno.current
        if e == .fileExists {
            if isDirectory(path) { return }
            throw SystemError(operation: "mkdir", path: path, errno: .notDirectory)
        }
        guard e == .noSuchFileOrDirectory, recursive else { throw SystemError(operation: "mkdir", path: path, errno: e) }
        let parent = directoryName(of: path)
        guard parent != path, parent != "/", parent != "." else { throw SystemError(operation: "mkdir", path: path, errno: e) }
        try makeDirectory(parent, mode: mode, recursive: true)
        if system_mkdir(path, mode) == 0 || (Errno.current == .fileExists && isDirectory(path)) { return }
        throw SystemError(operation: "mkdir", path: path, errno: .current)
    }

    public static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return system_stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return system_stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A regular file the caller may execute.
    public static func isExecutable(_ path: String) -> Bool {
        var st = stat()
        guard system_stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return system_access(path, X_OK) == 0
    }

    /// The directory part of a path ("." when there is none).
    public static func directoryName(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == 0 { return "/" }
        return String(decoding: bytes[0..<slash], as: UTF8.self)
    }

    // MARK: - Private

    private static func writeTemporaryFile(for path: String, _ bytes: [UInt8], mode: mode_t, sync: Bool) throws(SystemError) -> String {
        let dir = directoryName(of: path)
        let base = String(decoding: Array(path.utf8).split(separator: UInt8(ascii: "/")).last ?? [], as: UTF8.self)
        var attempt = 0
        while true {
            let temp = "\(dir)/.\(base).tmp-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            let raw = system_open(temp, O_WRONLY | O_CREAT | O_EXCL, mode)
            if raw < 0 {
                let e = Errno.current
                attempt += 1
                if e == .fileExists && attempt < 100 { continue }
                throw SystemError(operation: "open", path: temp, errno: e)
            }
            let fd = FileDescriptor(owning: raw)
            do {
                _ = try check(system_fchmod(raw, mode), "chmod", temp)
                try fd.writeAll(bytes, path: temp)
                if sync { try fd.sync(path: temp) }
            } catch {
                fd.close()
                _ = system_unlink(temp)
                throw error
            }
            fd.close()
            return temp
        }
    }

    /// Makes a rename/link durable. Best effort: some filesystems refuse fsync on directories.
    private static func syncDirectory(of path: String) {
        let raw = system_open(directoryName(of: path), O_RDONLY | O_DIRECTORY, 0)
        guard raw >= 0 else { return }
        _ = system_fsync(raw)
        system_close(raw)
    }
}

extension FileSystem {
    /// Removes the temp files (`.<name>.tmp-<pid>-<hex>`, see `writeFileAtomically`) in `directory`
    /// whose writer process is gone — what a kill -9 mid-write leaves. A live writer's file is
    /// kept, so this is safe without a lock. Returns the names removed.
    @discardableResult
    public static func removeAbandonedTemporaryFiles(in directory: String) -> [String] {
        guard let names = try? listDirectory(directory) else { return [] }
        var removed: [String] = []
        for name in names {
            // ".<name>.tmp-<pid>-<hex>": the pid is the second-to-last "-" field after ".tmp".
            let fields = name.split(separator: "-", omittingEmptySubsequences: false)
            guard name.hasPrefix("."), fields.count >= 3, fields[fields.count - 3].hasSuffix(".tmp"),
                  let pid = pid_t(fields[fields.count - 2]), pid > 0 else { continue }
            if system_kill(pid, 0) == 0 || Errno.current != .noSuchProcess { continue }  // writer alive (or unknown)
            if system_unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }
}
