import CNIValues

/// A plugin result in the current (1.1.0) model. `CNIResultCoding` reads and writes every
/// spec version's shape.
package struct CNIResult: Equatable, Sendable {
    package struct Interface: Equatable, Sendable {
        package var name: String
        package var mac: String
        package var mtu: Int?
        package var sandbox: String
        package var socketPath: String
        package var pciID: String

        package init(name: String, mac: String = "", mtu: Int? = nil, sandbox: String = "", socketPath: String = "", pciID: String = "") {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
            self.socketPath = socketPath
            self.pciID = pciID
        }
    }

    package struct IPConfig: Equatable, Sendable {
        /// Index into `interfaces`.
        package var interface: Int?
        package var address: IPNetwork
        package var gateway: IPAddress?

        package init(interface: Int? = nil, address: IPNetwork, gateway: IPAddress? = nil) {
            self.interface = interface
            self.address = address
            self.gateway = gateway
        }
    }

    package struct Route: Equatable, Sendable {
        package var destination: IPNetwork
        package var gateway: IPAddress?
        package var mtu: Int?
        package var advmss: Int?
        package var priority: Int?
        package var table: Int?
        package var scope: Int?

        package init(destination: IPNetwork, gateway: IPAddress? = nil, mtu: Int? = nil, advmss: Int? = nil,
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

    package struct DNS: Equatable, Sendable {
        package var nameservers: [String] = []
        package var domain: String = ""
        package var search: [String] = []
        package var options: [String] = []

        package init(nameservers: [String] = [], domain: String = "", search: [String] = [], options: [String] = []) {
            self.nameservers = nameservers
            self.domain = domain
            self.search = search
            self.options = options
        }

        package var isEmpty: Bool { nameservers.isEmpty && domain.isEmpty && search.isEmpty && options.isEmpty }
    }

    package var interfaces: [Interface]
    package var ips: [IPConfig]
    package var routes: [Route]
    package var dns: DNS

    package init(interfaces: [Interface] = [], ips: [IPConfig] = [], routes: [Route] = [], dns: DNS = DNS()) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }
}
