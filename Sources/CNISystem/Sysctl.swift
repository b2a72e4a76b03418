import Glibc

/// Kernel parameters under /proc/sys.
///
/// Keys are given in slash form (`net/ipv4/ip_forward`, `net/ipv4/conf/eth0.100/forwarding`), which
/// keeps dots in interface names intact. A key without any slash is taken as dot form
/// (`net.ipv4.ip_forward`) and its dots become slashes.
package enum Sysctl {
    package static func path(for key: String) -> String {
        let relative = key.contains("/") ? key : String(key.map { $0 == "." ? "/" : $0 })
        return "/proc/sys/" + relative
    }

    /// The value, whitespace-trimmed.
    package static func read(_ key: String) throws(SystemError) -> String {
        let bytes = try FileSystem.readFile(path(for: key), limit: 1 << 20)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
              let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    package static func write(_ key: String, _ value: String) throws(SystemError) {
        let p = path(for: key)
        let fd = try FileDescriptor.open(p, flags: O_WRONLY)
        try fd.writeAll(Array(value.utf8), path: p)
    }
}
