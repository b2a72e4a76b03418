import CNIValues
import HostLocalStore

/// One host-local reservation file, `<dataDir>/<network>/<ip>` holding `<containerID>\r\n<ifname>`
/// (containernetworking/plugins:plugins/ipam/host-local/backend/disk/backend.go; legacy files hold
/// only the container ID). Names and records follow `StoreLayout`.
struct IPAllocation: Sendable, Equatable {
    /// The store directory's name: the CNI network name.
    var network: String
    var ip: IPAddress
    /// The reservation file.
    var path: String
    /// `<store dir>/lock`, host-local's flock file.
    var lockPath: String
    var containerID: String
    /// nil for a legacy (pre-ifname) reservation.
    var ifname: String?

    init(network: String, ip: IPAddress, path: String, lockPath: String, containerID: String, ifname: String?) {
        self.network = network
        self.ip = ip
        self.path = path
        self.lockPath = lockPath
        self.containerID = containerID
        self.ifname = ifname
    }

    /// Parses one store entry; nil for names that are not reservations (`lock`,
    /// `last_reserved_ip.N`, `boot_id`, temp files) and for empty content.
    init?(storeDirectory: String, network: String, fileName: String, content: [UInt8]) {
        guard case .reservation(let ip) = StoreLayout.entry(fileName) else { return nil }
        let owner = ReservationOwner(parsing: content)
        guard !owner.containerID.isEmpty else { return nil }
        self.init(network: network, ip: ip, path: "\(storeDirectory)/\(fileName)",
                  lockPath: "\(storeDirectory)/\(StoreLayout.lockFileName)",
                  containerID: owner.containerID, ifname: owner.ifname)
    }
}
