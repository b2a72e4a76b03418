import CNIValues

/// The node's ids for its peer namespaces (IFLA_LINK_NETNSID values), as `ip -j netns list-id`
/// prints them for named namespaces: `[{"nsid":0,"name":"pod1"}]` (pure parsing).
public struct NamespaceIDMap: Sendable, Equatable {
    /// nsid → /run/netns/<name>.
    public var paths: [Int32: String]

    public init(paths: [Int32: String] = [:]) { self.paths = paths }

    /// Parses `ip -j netns list-id` output; entries without a name (unnamed namespaces) are skipped.
    public init(listIDOutput text: String, runDirectory: String = "/run/netns") {
        paths = [:]
        guard let items = (try? JSONParser.parse(text))?.arrayValue else { return }
        for item in items {
            guard let id = item["nsid"]?.intValue, let nsid = Int32(exactly: id),
                  let name = item["name"]?.stringValue, !name.isEmpty, !name.contains("/") else { continue }
            paths[nsid] = "\(runDirectory)/\(name)"
        }
    }
}
