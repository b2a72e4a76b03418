import CNISystem

/// DEL is never blocked by configuration it does not need. A DEL finds what it removes by network
/// name, container ID and ifname; a malformed `portMappings`, `ips`, `mac`, ... that ADD would
/// refuse must not stop it, or the runtime's DEL of the whole chain stops at this plugin (libcni
/// stops at the first failing DEL) and every plugin behind it leaks.
package enum DeleteConfig {
    /// The full config when it decodes; otherwise the config error goes to stderr and `minimal`
    /// (which reads only what DEL needs, a wrongly typed value counting as absent) is used.
    package static func decode<Config>(plugin: String, strict: () throws(CNIError) -> Config,
                                      minimal: () throws(CNIError) -> Config) throws(CNIError) -> Config {
        do {
            return try strict()
        } catch {
            report(plugin: plugin, error.description)
            return try minimal()
        }
    }

    /// One stderr line: what DEL ignores and why.
    package static func report(plugin: String, _ problem: String) {
        StandardIO.write(Array("\(plugin): DEL goes on despite a config error it does not need: \(problem)\n".utf8), fd: 2)
    }
}
