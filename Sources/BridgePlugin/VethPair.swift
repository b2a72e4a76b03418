import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// The pod's veth pair, created in one request: the host end `veth<8 hex>` in the node namespace,
/// the container end named `CNI_IFNAME` directly inside the pod namespace.
struct VethPair {
    let host: Link
    let container: Link

    /// Creates the pair (retrying host names on collision) and returns both ends. The host end is
    /// not configured yet (see `attach`).
    static func create(hostSocket: NetlinkSocket, podSocket: NetlinkSocket, podNamespace: NetworkNamespace,
                       ifname: String, config: BridgeConfig) throws -> VethPair {
        let mtu = config.mtu > 0 ? config.mtu : nil
        let created = try createUnique(
            socket: hostSocket, host: LinkAttributes(mtu: mtu, txQueueLength: 0),
            peer: LinkAttributes(name: ifname, mtu: mtu, mac: config.mac, txQueueLength: 0, namespace: podNamespace),
            peerExists: { try podSocket.link(named: ifname) != nil },
            failure: { hostName, error in CNIError.internalFailure("failed to create veth pair \(hostName)/\(ifname): \(error)") })
        guard let hostName = created else {
            throw CNIError.internalFailure("container veth name provided (\(ifname)) already exists",
                                           details: "an interface \(ifname) is already in \(podNamespace.path)")
        }
        // The container end's IFLA_LINK is the host end's ifindex: no lookup of the host end needed
        // (its MAC is read once the port is up).
        guard let container = try podSocket.link(named: ifname), let hostIndex = container.parentIndex else {
            throw CNIError.internalFailure("veth pair \(hostName)/\(ifname) vanished right after creation")
        }
        return VethPair(host: Link(index: hostIndex, name: hostName, kind: "veth", mtu: container.mtu), container: container)
    }

    /// Creates a veth pair whose `host` end is named `veth<8 hex>` (`randomName()`), drawing a new
    /// name while the kernel answers EEXIST, at most 10 names. Returns the host end's name, or nil
    /// when the clash was `peer`'s name (`peerExists()`), which a new host name cannot fix.
    /// Other errors become `failure(hostName, error)`.
    static func createUnique(
        socket: NetlinkSocket, host: LinkAttributes, peer: LinkAttributes, peerExists: () throws -> Bool,
        failure: (_ hostName: String, _ error: any Error) -> CNIError
    ) throws -> String? {
        var hostEnd = host
        for _ in 0..<10 {
            let hostName = randomName()
            hostEnd.name = hostName
            do {
                try socket.createVethPair(hostEnd, peer: peer)
                return hostName
            } catch Errno.fileExists {
                if try peerExists() { return nil }
            } catch {
                throw failure(hostName, error)
            }
        }
        throw CNIError.internalFailure("failed to find a unique veth name",
                                       details: "10 random names such as \(hostEnd.name ?? "") all exist")
    }

    /// `veth` + 8 random hex digits (4 random bytes), as the reference names host ends.
    static func randomName() -> String {
        let n = UInt32.random(in: 0...UInt32.max)
        let hex = String(n, radix: 16)
        return "veth" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Enslaves the host end to `bridge`, brings it up, sets hairpin/isolation and VLANs.
    func attach(to bridge: Link, socket: NetlinkSocket, config: BridgeConfig) throws {
        try? Sysctl.write("net/ipv6/conf/\(host.name)/accept_ra", "0")
        do {
            try socket.setLink(index: host.index, LinkAttributes(masterIndex: bridge.index, isUp: true))
        } catch {
            throw CNIError.internalFailure("failed to connect \"\(host.name)\" to bridge \(bridge.name): \(error)")
        }
        if config.hairpinMode || config.portIsolation {
            do {
                try socket.setBridgePort(index: host.index, hairpin: config.hairpinMode ? true : nil,
                                         isolated: config.portIsolation ? true : nil)
            } catch {
                throw CNIError.internalFailure("failed to setup hairpin mode / isolation for \(host.name): \(error)")
            }
        }
        try VethPair.configureVLANs(port: host, socket: socket, vlan: config.vlan, trunk: config.vlanTrunk,
                                    preserveDefault: config.preserveDefaultVlan)
    }

    /// Access port (`vlan`: PVID + untagged) or trunk port (tagged VLANs); VLAN 1 (the default
    /// PVID) is removed unless `preserveDefault`.
    static func configureVLANs(port: Link, socket: NetlinkSocket, vlan: Int, trunk: [Int], preserveDefault: Bool) throws {
        guard vlan != 0 || !trunk.isEmpty else { return }
        do {
            if !preserveDefault {
                do {
                    try socket.deleteBridgeVLAN(portIndex: port.index, vid: 1)
                } catch Errno.noSuchFileOrDirectory {
                } catch Errno.invalidArgument {}
            }
            if let vid = UInt16(exactly: vlan), vid != 0 {
                try socket.addBridgeVLAN(portIndex: port.index, vid: vid, pvid: true, untagged: true)
            }
            for v in trunk {
                guard let vid = UInt16(exactly: v) else { continue }
                try socket.addBridgeVLAN(portIndex: port.index, vid: vid, pvid: false, untagged: false)
            }
        } catch let e as CNIError {
            throw e
        } catch {
            throw CNIError.internalFailure("failed to setup vlan tag on interface \"\(port.name)\": \(error)")
        }
    }
}
