import CNIProtocol
import CNIValues

/// One `runtimeConfig.portMappings` entry: hostPort (optionally on hostIP) → containerPort.
struct PortMapping: Equatable, Sendable {
    enum TransportProtocol: String, Sendable, CaseIterable, Comparable {
        case sctp, tcp, udp

        static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    var hostPort: Int
    var containerPort: Int
    var transport: TransportProtocol
    /// nil when not given (all local addresses).
    var hostIP: IPAddress?

    init(hostPort: Int, containerPort: Int, transport: TransportProtocol = .tcp, hostIP: IPAddress? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.transport = transport
        self.hostIP = hostIP
    }

    /// Parses one entry. Port checks and texts follow the reference (`Invalid container port
    /// number: 0` before `Invalid host port number: 0`); ports above 65535, unknown protocols and
    /// unparsable host IPs are refused too instead of failing later inside iptables.
    init(json value: JSONValue) throws(CNIError) {
        guard let o = value.objectValue else {
            throw CNIError.invalidConfig("invalid network config: \"portMappings\" entries must be objects")
        }
        let containerPort = try o.int("containerPort") ?? 0
        let hostPort = try o.int("hostPort") ?? 0
        guard containerPort > 0, containerPort <= 65535 else {
            throw CNIError.invalidConfig("Invalid container port number: \(containerPort)")
        }
        guard hostPort > 0, hostPort <= 65535 else {
            throw CNIError.invalidConfig("Invalid host port number: \(hostPort)")
        }
        let protocolText = (try o.string("protocol") ?? "").lowercased()
        guard let transport = protocolText.isEmpty ? .tcp : TransportProtocol(rawValue: protocolText) else {
            throw CNIError.invalidConfig("Invalid protocol: \(try o.string("protocol") ?? "") (must be tcp, udp or sctp)")
        }
        var hostIP: IPAddress?
        if let text = try o.string("hostIP"), !text.isEmpty {
            guard let ip = IPAddress(text) else { throw CNIError.invalidConfig("Invalid host IP: \(text)") }
            hostIP = ip
        }
        self.init(hostPort: hostPort, containerPort: containerPort, transport: transport, hostIP: hostIP)
    }

    /// Whether the mapping applies to a pod address of `family`: a hostIP of the other family
    /// skips it (the reference's rule).
    func applies(to family: IPAddress.Family) -> Bool {
        hostIP.map { $0.family == family } ?? true
    }

    /// The destination address to match, when a specific (not unspecified) hostIP is given.
    var destination: IPAddress? {
        guard let ip = hostIP, !ip.isUnspecified else { return nil }
        return ip
    }
}
