import CNIValues
import HostLocalStore

/// One host-local reservation file, `<dataDir>/<network>/<ip>` holding `<containerID>\r\n<ifname>`
/// (containernetworking/plugins:plugins/ipam/host-local/backend/disk/backend.go; legacy files hold
/// only the container ID). Names and records follow `StoreLayout`.
public struct IPAllocation: Sendable, Equatable {
    /// The store directory's name: the CNI network name.
    public var network: String
    public var ip: IPAddress
    /// The reservation file.
    public var path: String
    /// `<store dir>/lock`, host-local's flock file.
    public var lockPath: String
    public var containerID: String
    /// nil for a legacy (pre-ifname) reservation.
    public var ifname: String?

    public init(network: String, ip: IPAddress, path: String, lockPath: String, containerID: String, ifname: String?) {
        self.network = network
        self.ip = ip
        self.path = path
        self.lockPath = lockPath
        self.containerID = containerID
        self.ifname = ifname
    }

    /// Parses one store entry; nil for names that are not reservations (`lock`,
    /// `last_reserved_ip.N`, `boot_id`, temp files) and for empty content.
    public init?(storeDirectory: String, network: String, fileName: String, content: [UInt8]) {
        guard case .reservation(let ip) = StoreLayout.entry(fileName) else { return nil }
        let owner = ReservationOwner(parsing: content)
        guard !owner.containerID.isEmpty else { return nil }
        self.init(network: network, ip: ip, path: "\(storeDirectory)/\(fileName)",
                  lockPath: "\(storeDirectory)/\(StoreLayout.lockFileName)",
                  containerID: owner.containerID, ifname: owner.ifname)
    }
}

extension String {
    /// Leading and trailing spaces, tabs, CR and LF removed (Go's strings.TrimSpace for ASCII).
    func trimmingBlanks() -> String {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
