import Glibc

/// The kernel's random id of the running boot (`/proc/sys/kernel/random/boot_id`), and a file
/// recording the boot some state belongs to. State of an earlier boot cannot belong to a live pod:
/// pod network namespaces and veths do not survive a reboot.
package enum BootID {
    package static let procPath = "/proc/sys/kernel/random/boot_id"

    /// The running boot's id; nil when /proc is not readable (then nothing is boot-scoped). Read
    /// once per process (flannel and its in-process host-local both ask): it cannot change while
    /// the process runs.
    package static func current() -> String? {
        if let known = runningBoot { return known }
        let id = recorded(in: procPath)
        runningBoot = .some(id)
        return id
    }

    nonisolated(unsafe) private static var runningBoot: String?? = nil

    /// The id recorded in `path` with all whitespace removed; nil when the file is missing,
    /// unreadable or empty.
    package static func recorded(in path: String) -> String? {
        guard let bytes = try? FileSystem.readFile(path, limit: 256) else { return nil }
        let text = withoutWhitespace(bytes)
        return text.isEmpty ? nil : text
    }

    /// The text without whitespace: ASCII bytes are filtered as bytes (a boot id is ASCII), anything
    /// else by Character as before.
    static func withoutWhitespace(_ bytes: [UInt8]) -> String {
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            return String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        }
        // The ASCII whitespace of Character.isWhitespace: HT, LF, VT, FF, CR and space.
        return String(decoding: bytes.filter { !(($0 >= 0x09 && $0 <= 0x0D) || $0 == 0x20) }, as: UTF8.self)
    }

    /// Records `id` in `path` (durably: a lost record would make the next boot adopt this boot's
    /// state instead of releasing it).
    package static func record(_ id: String, in path: String, mode: mode_t = 0o600) throws(SystemError) {
        try FileSystem.writeFileAtomically(path, Array((id + "\n").utf8), mode: mode, durable: true)
    }
}
