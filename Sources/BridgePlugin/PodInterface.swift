import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// The container end inside the pod: sysctls, addresses, up, routes (the reference's
/// `ipam.ConfigureIface` plus the bridge plugin's sysctls).
struct PodInterface {
    let socket: NetlinkSocket
    let namespace: NetworkNamespace
    let link: Link
    let config: BridgeConfig

    /// Applies `plan` to the interface: sysctls first (so DAD is off before any IPv6 address
    /// appears), then up, addresses and routes.
    func configure(_ plan: GatewayPlan) throws {
        let name = link.name
        let hasV6 = plan.ips.contains { $0.address.family == .v6 }
        try namespace.run {
            // Best effort, as in the reference: a kernel without IPv6 has no such keys.
            if config.enableDAD {
                try? Sysctl.write("net/ipv6/conf/\(name)/enhanced_dad", "1")
                try? Sysctl.write("net/ipv6/conf/\(name)/accept_dad", "1")
            } else {
                try? Sysctl.write("net/ipv6/conf/\(name)/accept_dad", "0")
            }
            try? Sysctl.write("net/ipv4/conf/\(name)/arp_notify", "1")
            if hasV6 {
                try? Sysctl.write("net/ipv6/conf/lo/disable_ipv6", "0")
                try? Sysctl.write("net/ipv6/conf/\(name)/disable_ipv6", "0")
                try? Sysctl.write("net/ipv6/conf/\(name)/keep_addr_on_down", "1")
            }
        }
        do {
            try socket.setLinkUp(index: link.index)
        } catch {
            throw CNIError.internalFailure("failed to set \"\(name)\" UP: \(error)")
        }
        for ip in plan.ips {
            do {
                try socket.addAddress(index: link.index, ip.address, noDAD: ip.address.family == .v6 && !config.enableDAD)
            } catch {
                throw CNIError.internalFailure("failed to add IP addr \(ip.address) to \"\(name)\": \(error)")
            }
        }
        if hasV6 && config.enableDAD { try waitForDAD() }
        try addRoutes(plan)
    }

    /// Adds each route once; a route without a gateway goes via the first gateway of its family,
    /// or straight onto the link when there is none.
    func addRoutes(_ plan: GatewayPlan) throws {
        var added: [KernelRoute] = []
        for r in plan.routes {
            let gw = plan.gateway(for: r)
            var route = KernelRoute(destination: r.destination.network, gateway: gw, outputIndex: link.index,
                              scope: gw == nil ? .link : .universe)
            if let s = r.scope, let v = UInt8(exactly: s) { route.scope = KernelRoute.Scope(rawValue: v) }
            if let t = r.table, let v = UInt32(exactly: t), v != 0 { route.table = v }
            if let p = r.priority { route.priority = UInt32(exactly: p) }
            if let m = r.mtu { route.mtu = UInt32(exactly: m) }
            if let m = r.advmss { route.advmss = UInt32(exactly: m) }
            if added.contains(route) { continue }
            do {
                try socket.addRoute(route)
            } catch {
                let via = gw.map { " via \($0)" } ?? ""
                throw CNIError.internalFailure("failed to add route '\(r.destination.network)\(via) dev \(link.name)': \(error)")
            }
            added.append(route)
        }
    }

    /// Waits (at most 5 s) until no IPv6 address of the link is tentative; a failed DAD is an error.
    private func waitForDAD() throws {
        for _ in 0..<50 {
            let addrs = try socket.addresses(index: link.index, family: .v6)
            if let failed = addrs.first(where: { $0.isDADFailed }) {
                throw CNIError.internalFailure("DAD failed for \(failed.network) on \"\(link.name)\": duplicate address")
            }
            if !addrs.contains(where: { $0.isTentative }) { return }
            CNISystem.sleep(milliseconds: 100)
        }
        throw CNIError.internalFailure("timed out waiting for IPv6 DAD on \"\(link.name)\"")
    }

    /// Brings the interface up without addresses (layer-2 only ADD).
    func bringUp() throws {
        do {
            try socket.setLinkUp(index: link.index)
        } catch {
            throw CNIError.internalFailure("failed to set \"\(link.name)\" up: \(error)")
        }
    }
}
