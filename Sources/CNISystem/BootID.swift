import Glibc

/// The kernel's random id of the running boot (`/proc/sys/kernel/random/boot_id`), and a file
/// recording the boot some state belongs to. State of an earlier boot cannot belong to a live pod:
/// pod network namespaces and veths do not survive a reboot.
public enum BootID {
    public static let procPath = "/proc/sys/kernel/random/boot_id"

    /// The running boot's id; nil when /proc is not readable (then nothing is boot-scoped).
    public static func current() -> String? {
        recorded(in: procPath)
    }

    /// The id recorded in `path`, trimmed; nil when the file is missing, unreadable or empty.
    public static func recorded(in path: String) -> String? {
        guard let bytes = try? FileSystem.readFile(path, limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return text.isEmpty ? nil : text
    }

    /// Records `id` in `path` (durably: a lost record would make the next boot adopt this boot's
    /// state instead of releasing it).
    public static func record(_ id: String, in path: String, mode: mode_t = 0o600) throws(SystemError) {
        try FileSystem.writeFileAtomically(path, Array((id + "\n").utf8), mode: mode, durable: true)
    }
}
