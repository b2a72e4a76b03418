import Glibc

/// Whole-file operations. State files never exist under their name, or under any name, half
/// written: the content goes into an anonymous `O_TMPFILE` inode (write, optional fsync), which is
/// then given its name with `linkat(/proc/self/fd/N, AT_SYMLINK_FOLLOW)`. A kill -9 before that
/// leaves nothing; the kernel frees the inode. Filesystems without `O_TMPFILE` (EOPNOTSUPP/EISDIR)
/// get a named temp file instead, with the same naming rule (`temporaryFileName`).
public enum FileSystem {
    /// The longest file name a directory entry takes (NAME_MAX of <linux/limits.h>), in bytes.
    package static let maxNameBytes = Int(NAME_MAX)

    /// Reads a whole file, failing with EFBIG past `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY)
        return try fd.readAll(limit: limit, path: path)
    }

    /// Replaces `path` atomically: the complete content is linked to a unique temp name in the same
    /// directory and renamed over `path`. The temp name exists only between link and rename (a kill
    /// -9 there leaves a complete file under `temporaryFileName`, which `removeTemporaryFiles`
    /// clears). `durable` fsyncs the content and the directory; without it the write is still
    /// all-or-nothing against a killed process, but a power loss may keep the old content (or none).
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t, durable: Bool = true) throws(SystemError) {
        try writeFileAtomically(path, bytes, mode: mode, durable: durable, anonymous: true)
    }

    /// Creates `path` atomically and exclusively: the complete content is linked to `path`, which
    /// fails with EEXIST when present, so no empty or partial file ever exists under any name.
    /// The error for an existing file reads `open <path>: file exists`.
    public static func createFileExclusively(_ path: String, _ bytes: [UInt8], mode: mode_t, durable: Bool = true) throws(SystemError) {
        try createFileExclusively(path, bytes, mode: mode, durable: durable, anonymous: true)
    }

    /// `anonymous: false` forces the named-temp-file fallback (tests).
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t, durable: Bool, anonymous: Bool) throws(SystemError) {
        let content = try StagedFile(for: path, bytes, mode: mode, sync: durable, anonymous: anonymous)
        let temp = try content.linkUnderTemporaryName()
        if system_rename(temp, path) != 0 {
            let error = SystemError(operation: "rename", path: path, errno: .current)
            _ = system_unlink(temp)
            throw error
        }
        if durable { syncDirectory(of: path) }
    }

    static func createFileExclusively(_ path: String, _ bytes: [UInt8], mode: mode_t, durable: Bool, anonymous: Bool) throws(SystemError) {
        let content = try StagedFile(for: path, bytes, mode: mode, sync: durable, anonymous: anonymous)
        try content.link(to: path)
        if durable { syncDirectory(of: path) }
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

    /// `path` with every symbolic link resolved (realpath(3)); nil when it cannot be resolved.
    package static func resolvedPath(_ path: String) -> String? { system_realpath(path) }

    /// The directory part of a path ("." when there is none).
    public static func directoryName(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == 0 { return "/" }
        return String(decoding: bytes[0..<slash], as: UTF8.self)
    }

    // MARK: - Private

    /// Makes a rename/link durable. Best effort: some filesystems refuse fsync on directories.
    static func syncDirectory(of path: String) {
        let raw = system_open(directoryName(of: path), O_RDONLY | O_DIRECTORY, 0)
        guard raw >= 0 else { return }
        _ = system_fsync(raw)
        system_close(raw)
    }
}

extension FileSystem {
    /// The one temp-name rule of every state file: `.<base>.tmp-<pid>-<hex>` beside the target
    /// `<base>`, so a cleanup can tell whose it is (the base: a container ID, an address, a
    /// `last_reserved_ip.N`) and whether its writer still runs (the pid).
    public static func temporaryFileName(for base: String) -> String {
        ".\(base).tmp-\(system_getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// Whether `name` follows `temporaryFileName`'s rule.
    public static func isTemporaryFileName(_ name: String) -> Bool {
        temporaryFileParts(name) != nil
    }

    /// The target base name and the writer's pid of a temp name; nil for any other name.
    public static func temporaryFileParts(_ name: String) -> (base: String, pid: pid_t)? {
        let bytes = Array(name.utf8)
        guard bytes.first == UInt8(ascii: "."), let lastDash = bytes.lastIndex(of: UInt8(ascii: "-")),
              lastDash + 1 < bytes.count,
              bytes[(lastDash + 1)...].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
              let pidDash = bytes[..<lastDash].lastIndex(of: UInt8(ascii: "-")),
              let pid = pid_t(String(decoding: bytes[(pidDash + 1)..<lastDash], as: UTF8.self)), pid > 0 else { return nil }
        let marker = Array(".tmp".utf8)
        guard pidDash >= 1 + marker.count + 1, Array(bytes[(pidDash - marker.count)..<pidDash]) == marker else { return nil }
        return (String(decoding: bytes[1..<(pidDash - marker.count)], as: UTF8.self), pid)
    }

    /// The one cleanup of temp files in `directory` (what a kill -9 between link and rename, or a
    /// killed writer on a filesystem without O_TMPFILE, leaves): those for target `base` (every
    /// base when nil). With `onlyAbandoned`, a file whose writer process still runs is kept, which
    /// makes the call safe without a lock; without it every match goes, for callers holding the
    /// lock every writer of the directory holds. Returns the names removed.
    /// `listing`: the directory's entry names when the caller has just listed it (one listing
    /// for several jobs under a lock); nil lists it here.
    @discardableResult
    public static func removeTemporaryFiles(in directory: String, listing: [String]? = nil, base: String? = nil,
                                            onlyAbandoned: Bool) -> [String] {
        guard let names = listing ?? (try? listDirectory(directory)) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let parts = temporaryFileParts(name), base == nil || parts.base == base else { continue }
            if onlyAbandoned && ProcessProbe.exists(parts.pid) != false { continue }
            if system_unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }
}
