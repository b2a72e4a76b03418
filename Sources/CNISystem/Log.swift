/// Diagnostics on stderr, one line each: `<plugin>: <message>`. stdout is the result channel
/// and never carries logs; the runtime keeps a plugin's stderr in its own log.
package enum Log {
    /// A problem that does not fail the operation (a best-effort cleanup step, an ignored error).
    package static func warning(plugin: String, _ message: String) {
        StandardIO.write("\(plugin): \(message)\n", fd: 2)
    }
}
