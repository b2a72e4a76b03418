import CNIProtocol
import CNISystem
import CNIValues

/// libcni's attachment cache: `<dir>/results/<network>-<containerID>-<ifname>` holding
/// `{"kind":"cniCacheV1", ...}` with the final ADD result, read back for CHECK and DEL.
struct ResultCache: Sendable {
    let directory: String

    func path(network: String, attachment: Attachment) -> String {
        "\(directory)/results/\(network)-\(attachment.containerID)-\(attachment.ifname)"
    }

    func store(network: String, attachment: Attachment, netns: String, config: [UInt8],
                      capabilityArgs: JSONObject, result: JSONValue) throws {
        var o = JSONObject()
        o["kind"] = "cniCacheV1"
        o["containerId"] = .string(attachment.containerID)
        o["config"] = .string(Base64.encode(config))
        o["ifName"] = .string(attachment.ifname)
        o["networkName"] = .string(network)
        o["netns"] = .string(netns)
        if !capabilityArgs.isEmpty { o["capabilityArgs"] = .object(capabilityArgs) }
        o["result"] = result
        try FileSystem.makeDirectory(directory + "/results", mode: 0o700)
        try FileSystem.writeFileAtomically(path(network: network, attachment: attachment),
                                           JSONSerializer.bytes(.object(o)), mode: 0o600)
    }

    /// The cached entry, or nil when there is none (or it cannot be read).
    func entry(network: String, attachment: Attachment) -> JSONObject? {
        guard let bytes = try? FileSystem.readFile(path(network: network, attachment: attachment)) else { return nil }
        return (try? JSONParser.parse(bytes))?.objectValue
    }

    /// The cached final result.
    func result(network: String, attachment: Attachment) -> JSONValue? {
        entry(network: network, attachment: attachment)?["result"]
    }

    /// The capability args (e.g. portMappings) the ADD ran with: DEL and CHECK reuse them, as libcni does.
    func capabilityArgs(network: String, attachment: Attachment) -> JSONObject? {
        entry(network: network, attachment: attachment)?["capabilityArgs"]?.objectValue
    }

    func remove(network: String, attachment: Attachment) throws {
        try FileSystem.removeFileIfPresent(path(network: network, attachment: attachment))
    }

    /// Every attachment cached for `network`.
    func attachments(network: String) -> [Attachment] {
        guard let names = try? FileSystem.listDirectory(directory + "/results") else { return [] }
        return names.filter { $0.hasPrefix(network + "-") }.compactMap { name in
            guard let bytes = try? FileSystem.readFile("\(directory)/results/\(name)"),
                  let o = (try? JSONParser.parse(bytes))?.objectValue,
                  o["networkName"]?.stringValue == network,
                  let id = o["containerId"]?.stringValue, let ifname = o["ifName"]?.stringValue else { return nil }
            return Attachment(containerID: id, ifname: ifname)
        }.sorted { ($0.containerID, $0.ifname) < ($1.containerID, $1.ifname) }
    }
}
