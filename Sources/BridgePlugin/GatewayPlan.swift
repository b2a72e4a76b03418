import CNIProtocol
import CNIValues

/// What an IPAM result becomes on the bridge network (the reference's `calcGateways`), as a pure
/// function: result IPs pointing at the container interface (index 2) with gateways filled in,
/// the routes for the pod, and the addresses the bridge must carry.
struct GatewayPlan: Equatable, Sendable {
    /// IPAM's IPs with `interface = 2` and, when the bridge is the gateway, a gateway.
    var ips: [CNIResult.IPConfig]
    /// IPAM's routes, then one default route per family when `isDefaultGateway` asks for it.
    var routes: [CNIResult.Route]
    /// Gateway addresses (with the pod IP's prefix) to put on the bridge, v4 first, in order, unique.
    var bridgeAddresses: [IPNetwork]

    /// The families whose forwarding must be on (those with a gateway on the bridge).
    var forwardingFamilies: [IPAddress.Family] {
        var out: [IPAddress.Family] = []
        for a in bridgeAddresses where !out.contains(a.family) { out.append(a.family) }
        return out
    }

    init(ipam: CNIResult, config: BridgeConfig) throws(CNIError) {
        guard !ipam.ips.isEmpty else {
            throw CNIError.internalFailure("IPAM plugin returned missing IP config")
        }
        ips = []
        routes = ipam.routes
        var v4: [IPNetwork] = [], v6: [IPNetwork] = []
        var defaultRouteFound: [IPAddress.Family] = []  // at most two: a Set costs more to set up
        for var ip in ipam.ips {
            let family = ip.address.family
            ip.interface = 2
            if ip.gateway == nil && config.isGateway {
                ip.gateway = ip.address.networkAddress.next
            }
            if let gw = ip.gateway, gw.family != family {
                throw CNIError.internalFailure("IPAM returned gateway \(gw) of another family than \(ip.address)")
            }
            if config.isDefaultGateway && !defaultRouteFound.contains(family),
               let zero = GatewayPlan.defaultDestination(family) {
                let ipamHasDefault = ipam.routes.contains {
                    $0.gateway != nil && $0.destination.prefixLength == 0 && $0.destination.family == family
                }
                if !ipamHasDefault {
                    routes.append(CNIResult.Route(destination: zero, gateway: ip.gateway))
                }
                defaultRouteFound.append(family)
            }
            if config.isGateway, let gw = ip.gateway,
               let onBridge = IPNetwork(address: gw, prefixLength: ip.address.prefixLength) {
                if family == .v4 {
                    if !v4.contains(onBridge) { v4.append(onBridge) }
                } else if !v6.contains(onBridge) {
                    v6.append(onBridge)
                }
            }
            ips.append(ip)
        }
        bridgeAddresses = v4 + v6
    }

    /// `0.0.0.0/0` or `::/0`.
    static func defaultDestination(_ family: IPAddress.Family) -> IPNetwork? {
        IPNetwork(address: family == .v4 ? .v4(0) : .v6(0), prefixLength: 0)
    }

    /// The gateway a pod route uses: its own, else the first gateway of its family.
    func gateway(for route: CNIResult.Route) -> IPAddress? {
        if let gw = route.gateway { return gw }
        return ips.first { $0.address.family == route.destination.family && $0.gateway != nil }?.gateway
    }
}
