import CNIProtocol
import CNISystem
import CNIValues

/// Runs a network configuration list the way libcni does: ADD in order chaining
/// `prevResult`, DEL in reverse with the cached result, CHECK/GC/STATUS for each plugin.
struct ChainRunner: Sendable {
    let list: NetworkConfigList
    let cache: ResultCache
    let pluginPaths: [String]
    /// Extra environment for the plugins (e.g. the caller's `CNI_ARGS`).
    let baseEnvironment: [String: String]
    let capabilityArgs: JSONObject

    private func delegator(_ command: CNICommand, _ attachment: Attachment?, netns: String) -> Delegator {
        var env = baseEnvironment
        env["CNI_PATH"] = pluginPaths.joined(separator: ":")
        env["CNI_CONTAINERID"] = attachment?.containerID
        env["CNI_IFNAME"] = attachment?.ifname
        env["CNI_NETNS"] = attachment == nil ? nil : netns
        return Delegator(environment: CNIEnvironment(
            command: command, containerID: attachment?.containerID ?? "", netns: netns,
            ifname: attachment?.ifname ?? "", pluginPaths: pluginPaths, variables: env))
    }

    private func type(_ index: Int) -> String { list.plugins[index].field("type")?.stringValue ?? "" }

    /// The capability args given now, else those cached by the ADD (so DEL finds the same port mappings).
    private func capabilityArgs(for attachment: Attachment) -> JSONObject {
        capabilityArgs.isEmpty ? (cache.capabilityArgs(network: list.name, attachment: attachment) ?? capabilityArgs) : capabilityArgs
    }

    /// ADD through the whole list; caches and returns the final result.
    func add(_ attachment: Attachment, netns: String) throws -> JSONValue {
        let d = delegator(.add, attachment, netns: netns)
        var prev: JSONValue? = nil
        var lastConfig: [UInt8] = []
        for i in list.plugins.indices {
            let conf = try list.pluginConfig(i, capabilityArgs: capabilityArgs, prevResult: prev)
            lastConfig = JSONSerializer.bytes(.object(conf))
            guard let out = try d.invoke(.add, type: type(i), config: lastConfig) else {
                throw CNIError.internalFailure("plugin \"\(type(i))\" returned no result")
            }
            prev = out
        }
        let result = prev ?? .object(JSONObject())
        try cache.store(network: list.name, attachment: attachment, netns: netns, config: lastConfig,
                        capabilityArgs: capabilityArgs, result: result)
        return result
    }

    /// DEL in reverse order with the cached result; the cache entry goes when all succeeded.
    func del(_ attachment: Attachment, netns: String) throws {
        let d = delegator(.del, attachment, netns: netns)
        let cached = cache.result(network: list.name, attachment: attachment)
        for i in list.plugins.indices.reversed() {
            let prev = CNIVersion(list.cniVersion).map { $0 >= .v0_4_0 } == true ? cached : nil
            let conf = try list.pluginConfig(i, capabilityArgs: capabilityArgs(for: attachment), prevResult: prev)
            _ = try d.invoke(.del, type: type(i), config: JSONSerializer.bytes(.object(conf)))
        }
        try cache.remove(network: list.name, attachment: attachment)
    }

    func check(_ attachment: Attachment, netns: String) throws {
        guard !list.disableCheck else { return }
        guard let cached = cache.result(network: list.name, attachment: attachment) else {
            throw CNIError(code: CNIError.unknownContainer, "no cached result for \(attachment.containerID)/\(attachment.ifname): run ADD first")
        }
        let d = delegator(.check, attachment, netns: netns)
        for i in list.plugins.indices {
            let conf = try list.pluginConfig(i, capabilityArgs: capabilityArgs(for: attachment), prevResult: cached)
            _ = try d.invoke(.check, type: type(i), config: JSONSerializer.bytes(.object(conf)))
        }
    }

    /// GC with every attachment still cached for this network as the valid set.
    func gc() throws {
        guard !list.disableGC else { return }
        let valid: [JSONValue] = cache.attachments(network: list.name).map {
            .object(JSONObject([("containerID", .string($0.containerID)), ("ifname", .string($0.ifname))]))
        }
        let d = delegator(.gc, nil, netns: "")
        var errors: [String] = []
        for i in list.plugins.indices {
            var conf = try list.pluginConfig(i, capabilityArgs: JSONObject(), prevResult: nil)
            conf["cni.dev/valid-attachments"] = .array(valid)
            conf["cni.dev/attachments"] = .array(valid)
            do {
                _ = try d.invoke(.gc, type: type(i), config: JSONSerializer.bytes(.object(conf)))
            } catch {
                errors.append("\(type(i)): \(CNIError.from(error).msg)")
            }
        }
        guard errors.isEmpty else { throw CNIError.internalFailure("GC failed", details: errors.joined(separator: "; ")) }
    }

    func status() throws {
        let d = delegator(.status, nil, netns: "")
        for i in list.plugins.indices {
            let conf = try list.pluginConfig(i, capabilityArgs: JSONObject(), prevResult: nil)
            _ = try d.invoke(.status, type: type(i), config: JSONSerializer.bytes(.object(conf)))
        }
    }
}
