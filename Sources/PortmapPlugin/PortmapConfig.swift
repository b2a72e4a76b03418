import CNIFirewall
import CNIProtocol
import CNIValues

/// The portmap plugin's configuration (keys and defaults of the reference: `containernetworking/plugins:plugins/meta/portmap/main.go`).
public struct PortmapConfig: Sendable {
    public enum Backend: String, Sendable {
        case iptables, nftables
    }

    public var network: String
    public var mappings: [PortMapping]
    public var snat: Bool
    public var markMasqBit: Int
    public var externalSetMarkChain: String?
    public var conditionsV4: [String]?
    public var conditionsV6: [String]?
    public var masqAll: Bool
    /// The `backend` key; nil lets `resolveBackend` choose.
    public var requestedBackend: Backend?
    /// Whether `runtimeConfig.portMappings` lists anything, decodable or not: DEL has rules to
    /// look for only then, as in the reference.
    public var declaresMappings: Bool

    public static let defaultMarkBit = 13

    public init(network: String, mappings: [PortMapping], snat: Bool = true, markMasqBit: Int = defaultMarkBit,
                externalSetMarkChain: String? = nil, conditionsV4: [String]? = nil, conditionsV6: [String]? = nil,
                masqAll: Bool = false, requestedBackend: Backend? = nil) {
        self.network = network
        self.mappings = mappings
        self.snat = snat
        self.markMasqBit = markMasqBit
        self.externalSetMarkChain = externalSetMarkChain
        self.conditionsV4 = conditionsV4
        self.conditionsV6 = conditionsV6
        self.masqAll = masqAll
        self.requestedBackend = requestedBackend
        self.declaresMappings = !mappings.isEmpty
    }

    public init(_ config: NetworkConfig) throws(CNIError) {
        try self.init(json: config.json, network: config.name)
    }

    public init(json o: JSONObject, network: String) throws(CNIError) {
        let bit = try o.int("markMasqBit")
        let external = try o.string("externalSetMarkChain")
        if bit != nil && external != nil {
            throw CNIError.invalidConfig("Cannot specify externalSetMarkChain and markMasqBit")
        }
        let markBit = bit ?? Self.defaultMarkBit
        guard (0...31).contains(markBit) else {
            throw CNIError.invalidConfig("MasqMarkBit must be between 0 and 31")
        }
        if let external {
            do {
                try IptablesRule.checkChainName(external)
            } catch {
                throw CNIError.invalidConfig("invalid externalSetMarkChain \"\(external)\": \(error.reason)")
            }
        }
        var mappings: [PortMapping] = []
        if let runtime = try o.object("runtimeConfig") {
            for entry in try runtime.array("portMappings") ?? [] { mappings.append(try PortMapping(json: entry)) }
        }
        var backend: Backend?
        if let text = try o.string("backend"), !text.isEmpty {
            guard let b = Backend(rawValue: text) else {
                throw CNIError.invalidConfig("unknown portmap backend \"\(text)\" (must be iptables or nftables)")
            }
            backend = b
        }
        self.init(network: network, mappings: mappings, snat: try o.bool("snat") ?? true, markMasqBit: markBit,
                  externalSetMarkChain: external, conditionsV4: try o.stringArray("conditionsV4"),
                  conditionsV6: try o.stringArray("conditionsV6"), masqAll: try o.bool("masqAll") ?? false,
                  requestedBackend: backend)
        try checkBackendOptions()
    }

    /// What DEL needs, read leniently: the network (the rules carry it) and the backend. Each
    /// `portMappings` entry that does not decode is reported on stderr and skipped; DEL removes
    /// the container's rules by network and container ID, whatever the entries say.
    public init(deleting o: JSONObject, network: String) {
        var mappings: [PortMapping] = []
        var declared = false
        if let entries = try? o.object("runtimeConfig")?.array("portMappings") {
            declared = !entries.isEmpty
            for entry in entries {
                do {
                    mappings.append(try PortMapping(json: entry))
                } catch {
                    DeleteConfig.report(plugin: "portmap", "portMappings entry \(entry): \(error.description)")
                }
            }
        }
        let requested = (try? o.string("backend")).flatMap(Backend.init(rawValue:))
        self.init(network: network, mappings: mappings, conditionsV4: try? o.stringArray("conditionsV4"),
                  conditionsV6: try? o.stringArray("conditionsV6"), requestedBackend: requested)
        declaresMappings = declared
    }

    /// The masquerade mark: `1 << markMasqBit` (0x2000 for bit 13).
    package var markValue: UInt32 { UInt32(1) << UInt32(truncatingIfNeeded: markMasqBit) }

    /// `0x2000/0x2000` for bit 13.
    public var markDefinition: String {
        let value = "0x" + String(markValue, radix: 16)
        return value + "/" + value
    }

    public func conditions(for family: IPAddress.Family) -> [String] {
        (family == .v4 ? conditionsV4 : conditionsV6) ?? []
    }

    /// Conditions whose first word starts with `-` or `!` are iptables match arguments; any
    /// other non-empty list is an nftables expression.
    static func isIptablesSyntax(_ words: [String]) -> Bool {
        guard let first = words.first else { return false }
        return first.hasPrefix("-") || first.hasPrefix("!")
    }

    var iptablesOnlyOptions: [String] {
        var keys: [String] = []
        if externalSetMarkChain != nil { keys.append("externalSetMarkChain") }
        if let c = conditionsV4, Self.isIptablesSyntax(c) { keys.append("conditionsV4") }
        if let c = conditionsV6, Self.isIptablesSyntax(c) { keys.append("conditionsV6") }
        return keys
    }

    var nftablesOnlyOptions: [String] {
        var keys: [String] = []
        if let c = conditionsV4, !c.isEmpty, !Self.isIptablesSyntax(c) { keys.append("conditionsV4") }
        if let c = conditionsV6, !c.isEmpty, !Self.isIptablesSyntax(c) { keys.append("conditionsV6") }
        return keys
    }

    func checkBackendOptions() throws(CNIError) {
        let ipt = iptablesOnlyOptions, nft = nftablesOnlyOptions
        switch requestedBackend {
        case .nftables? where !ipt.isEmpty:
            throw CNIError.invalidConfig("nftables backend was requested but configuration contains iptables-specific options [\(ipt.joined(separator: " "))]")
        case .iptables? where !nft.isEmpty:
            throw CNIError.invalidConfig("iptables backend was requested but configuration contains nftables-specific options [\(nft.joined(separator: " "))]")
        case nil where !ipt.isEmpty && !nft.isEmpty:
            throw CNIError.invalidConfig("configuration contains both iptables-specific options [\(ipt.joined(separator: " "))] and nftables-specific options [\(nft.joined(separator: " "))]")
        default:
            break
        }
    }

    /// The backend to use: the requested one; else the one the options are written for; else
    /// iptables when `iptables-restore` is present, nftables when only `nft` is.
    public func resolveBackend(iptablesUsable: Bool, nftablesUsable: Bool) throws(CNIError) -> Backend {
        if let requestedBackend { return requestedBackend }
        if !iptablesOnlyOptions.isEmpty { return .iptables }
        if !nftablesOnlyOptions.isEmpty { return .nftables }
        if iptablesUsable { return .iptables }
        if nftablesUsable { return .nftables }
        throw CNIError.internalFailure("neither iptables nor nftables is usable: iptables-restore and nft not found")
    }
}
