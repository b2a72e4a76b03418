import CNIValues

/// A plugin result in the current (1.1.0) model. `CNIResultCoding` reads and writes every
/// spec version's shape.
public struct CNIResult: Equatable, Sendable {
    public struct Interface: Equatable, Sendable {
        public var name: String
        public var mac: String
        public var mtu: Int?
        public var sandbox: String
        public var socketPath: String
        public var pciID: String

        public init(name: String, mac: String = "", mtu: Int? = nil, sandbox: String = "", socketPath: String = "", pciID: String = "") {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
            self.socketPath = socketPath
            self.pciID = pciID
        }
    }

    public struct IPConfig: Equatable, Sendable {
        /// Index into `interfaces`.
        public var interface: Int?
        public var address: IPNetwork
        public var gateway: IPAddress?

        public init(interface: Int? = nil, address: IPNetwork, gateway: IPAddress? = nil) {
            self.interface = interface
            self.address = address
            self.gateway = gateway
        }
    }

    public struct Route: Equatable, Sendable {
        public var destination: IPNetwork
        public var gateway: IPAddress?
        public var mtu: Int?
        public var advmss: Int?
        public var priority: Int?
        public var table: Int?
        public var scope: Int?

        public init(destination: IPNetwork, gateway: IPAddress? = nil, mtu: Int? = nil, advmss: Int? = nil,
                    priority: Int? = nil, table: Int? = nil, scope: Int? = nil) {
            self.destination = destination
            self.gateway = gateway
            self.mtu = mtu
            self.advmss = advmss
            self.priority = priority
            self.table = table
            self.scope = scope
        }
    }

    public struct DNS: Equatable, Sendable {
        public var nameservers: [String] = []
        public var domain: String = ""
        public var search: [String] = []
        public var options: [String] = []

        public init(nameservers: [String] = [], domain: String = "", search: [String] = [], options: [String] = []) {
            self.nameservers = nameservers
            self.domain = domain
            self.search = search
            self.options = options
        }

        public var isEmpty: Bool { nameservers.isEmpty && domain.isEmpty && search.isEmpty && options.isEmpty }
    }

    public var interfaces: [Interface]
    public var ips: [IPConfig]
    public var routes: [Route]
    public var dns: DNS

    public init(interfaces: [Interface] = [], ips: [IPConfig] = [], routes: [Route] = [], dns: DNS = DNS()) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }
}
