import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// The node's bridge: created when absent (reused otherwise), given the gateway addresses.
struct BridgeDevice {
    let socket: NetlinkSocket
    let config: BridgeConfig

    /// Creates the bridge unless it exists (EEXIST from a concurrent ADD is fine), then makes sure
    /// it is a bridge, has vlan_filtering when VLANs are configured, promiscuous mode when asked,
    /// `accept_ra=0`, and is up. Returns the bridge as it is now.
    func ensure() throws -> Link {
        let name = config.bridgeName
        var link = try socket.link(named: name)
        if link == nil {
            do {
                try socket.createBridge(name: name, mtu: config.mtu > 0 ? config.mtu : nil, vlanFiltering: config.vlanFiltering)
            } catch Errno.fileExists {
                // Created meanwhile by a concurrent ADD.
            } catch let error where config.vlanFiltering && Errno.notSupported ~= error {
                throw CNIError.internalFailure("failed to create bridge \"\(name)\": \(error)",
                                               details: "vlan/vlanTrunk need a kernel with CONFIG_BRIDGE_VLAN_FILTERING")
            } catch {
                throw CNIError.internalFailure("failed to create bridge \"\(name)\": \(error)")
            }
            link = try socket.link(named: name)
        }
        guard var bridge = link else {
            throw CNIError.internalFailure("failed to create bridge \"\(name)\": it vanished right after creation")
        }
        guard bridge.kind == "bridge" else {
            throw CNIError.internalFailure("failed to create bridge \"\(name)\": \"\(name)\" already exists but is not a bridge",
                                           details: "link kind is \(bridge.kind ?? "none"); pick another \"bridge\" name or remove the link")
        }
        if config.vlanFiltering && bridge.vlanFiltering != true {
            do {
                try socket.setBridgeVLANFiltering(index: bridge.index, on: true)
            } catch {
                throw CNIError.internalFailure("failed to enable vlan_filtering on bridge \"\(name)\": \(error)",
                                               details: "vlan/vlanTrunk need a kernel with CONFIG_BRIDGE_VLAN_FILTERING")
            }
        }
        // We own the bridge's routes; fails harmlessly when IPv6 is disabled.
        try? Sysctl.write("net/ipv6/conf/\(name)/accept_ra", "0")
        let needsPromisc = config.promiscMode && !bridge.promiscuous
        if !bridge.isUp || needsPromisc {
            try socket.setLink(index: bridge.index, LinkAttributes(isUp: true, promiscuous: needsPromisc ? true : nil))
            bridge.isUp = true
            bridge.promiscuous = bridge.promiscuous || needsPromisc
        }
        return bridge
    }

    /// Puts `address` (a gateway with the pod prefix) on `link` unless it is there. Another IPv4
    /// address, or an overlapping IPv6 one, is an error unless `forceAddress` (then it is replaced),
    /// or it is the gateway of an earlier node subnet and no pod attached to the bridge before
    /// `ownPort` (see `LeaseChange`): then it is replaced with its routes. EEXIST from a
    /// concurrent ADD is fine. Pins the bridge MAC the first time. Returns whether it added.
    @discardableResult
    func ensureAddress(_ address: IPNetwork, on link: Link, existing: inout [InterfaceAddress],
                       bridgeIndex: InterfaceIndex, ownPort: InterfaceIndex) throws -> Bool {
        for a in existing where a.network.family == address.family {
            if a.network == address { return false }
            let conflicts = address.family == .v4 || a.network.contains(address.address) || address.contains(a.network.address)
            guard conflicts else { continue }
            if !config.forceAddress {
                guard let change = LeaseChange(existing: a.network, wanted: address) else {
                    throw CNIError.internalFailure(
                        "failed to set bridge addr: \"\(link.name)\" already has an IP address different from \(address)",
                        details: "\(link.name) has \(a.network); set forceAddress, or remove the old address (the subnet changed?)")
                }
                let ports = try socket.links().filter { $0.masterIndex == bridgeIndex }.map { (name: $0.name, index: $0.index) }
                let pods = LeaseChange.podsOfEarlierLease(ports: ports, ownPort: ownPort)
                guard pods.isEmpty else {
                    throw CNIError.internalFailure("failed to set bridge addr: " + change.blockedError(bridge: link.name, pods: pods))
                }
                Log.warning(plugin: "bridge", change.replacedMessage(bridge: link.name))
            }
            do {
                try socket.deleteAddress(index: link.index, a.network)
            } catch Errno.addressNotAvailable {
            } catch {
                throw CNIError.internalFailure("failed to set bridge addr: could not remove IP address from \"\(link.name)\": \(error)")
            }
            try removeRoutes(of: a.network, on: link)
            existing.removeAll { $0.network == a.network }
        }
        do {
            try socket.addAddress(index: link.index, address, noDAD: true)
        } catch Errno.fileExists {
            return false
        } catch {
            throw CNIError.internalFailure("failed to set bridge addr: could not add IP address to \"\(link.name)\": \(error)")
        }
        existing.append(InterfaceAddress(index: link.index, network: address))
        try pinMAC(link)
        return true
    }

    /// Routes on `link` into or via the removed address's subnet (the kernel already dropped the
    /// prefix route and those with it as source).
    private func removeRoutes(of old: IPNetwork, on link: Link) throws {
        for route in try socket.routes(family: old.family) where route.outputIndex == link.index {
            let into = old.network.contains(route.destination.address) && route.destination.prefixLength >= old.prefixLength
            let via = route.gateway.map { old.network.contains($0) } ?? false
            guard into || via else { continue }
            do {
                try socket.deleteRoute(route)
            } catch Errno.noSuchProcess {
                // Gone with the address.
            }
        }
    }

    /// Sets the bridge's MAC to its current one, so it no longer follows the lowest port MAC
    /// as pods come and go (addr_assign_type becomes NET_ADDR_SET).
    private func pinMAC(_ link: Link) throws {
        let assign = (try? FileSystem.readFile("/sys/class/net/\(link.name)/addr_assign_type", limit: 64))
            .map { String(decoding: $0, as: UTF8.self).filter { $0 != "\n" } }
        guard assign != "3", let current = try socket.link(index: link.index), let mac = current.mac else { return }
        do {
            try socket.setMAC(index: link.index, mac: mac)
        } catch {
            throw CNIError.internalFailure("could not set bridge's mac: \(error)")
        }
    }

    /// ip_forward (v4) / conf/all/forwarding (v6) on, written only when not already 1.
    static func enableForwarding(_ families: [IPAddress.Family]) throws {
        for family in families {
            let key = family == .v4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding"
            if (try? Sysctl.read(key)) == "1" { continue }
            do {
                try Sysctl.write(key, "1")
            } catch {
                throw CNIError.internalFailure("failed to enable forwarding: \(error)")
            }
        }
    }
}
