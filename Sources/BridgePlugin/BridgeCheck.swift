import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// CHECK: IPAM CHECK, then the kernel state against prevResult as the reference verifies it —
/// bridge, container veth, its host peer on the bridge, addresses and routes — except that a
/// route without a gateway matches any gateway (the v1.1.1 bug failed flannel's subnet route).
struct BridgeCheck {
    let context: PluginContext
    let config: BridgeConfig

    func run() throws {
        let namespace = try context.openNetns()
        if config.isLayer3 {
            try context.delegator.check(type: config.ipamType, config: context.config.raw)
        }
        guard let previous = try context.config.previousResult() else {
            throw CNIError.internalFailure("Required prevResult missing")
        }
        let expectedBridge = previous.interfaces.first { $0.name == config.bridgeName }
        let expectedContainer = previous.interfaces.first { $0.name == context.ifname && $0.sandbox == context.netns }
        let hostSocket = try NetlinkSocket()
        let podSocket = try NetlinkSocket(in: namespace)

        guard let expectedBridge else {
            throw CNIError.internalFailure("CNI created bridge \(config.bridgeName) in host namespace was not found")
        }
        let bridge = try checkBridge(expectedBridge, socket: hostSocket)
        guard let expectedContainer else {
            throw CNIError.internalFailure("Sandbox in prevResult doesn't match configured netns: \(context.netns)",
                                           details: "no interface \(context.ifname) with sandbox \(context.netns) in prevResult")
        }
        guard let container = try podSocket.link(named: context.ifname) else {
            throw CNIError.internalFailure("CNI created interface in container \(context.ifname) not found")
        }
        guard container.kind == "veth" else {
            throw CNIError.internalFailure("Error: Container interface \(container.name) not of type veth")
        }
        try checkMAC(expectedContainer.mac, container, "Interface \(container.name) Mac \(expectedContainer.mac) doesn't match container Mac: \(container.mac?.description ?? "")")
        try checkHostVeth(previous, bridge: bridge, container: container, socket: hostSocket)

        let addresses = try podSocket.addresses(index: container.index)
        let routes = try podSocket.routes(family: nil)
        for ip in previous.ips where isContainerIP(ip, previous) {
            guard addresses.contains(where: { $0.network == ip.address }) else {
                throw CNIError.internalFailure("Failed to match addr \(ip.address) on interface \(context.ifname)")
            }
            guard routes.contains(where: { $0.destination.network == ip.address.network }) else {
                throw CNIError.internalFailure("Failed to find Gateway \(ip.gateway.map { "\($0)" } ?? "<nil>") for interface \(context.ifname)",
                                               details: "no route to \(ip.address.network)")
            }
        }
        for expected in previous.routes {
            let table = expected.table.flatMap { UInt32(exactly: $0) } ?? KernelRoute.mainTable
            let candidates = table == KernelRoute.mainTable ? routes : try podSocket.routes(family: nil, table: table)
            let found = candidates.contains { r in
                r.destination.network == expected.destination.network
                    && (expected.gateway == nil || r.gateway == expected.gateway)
            }
            guard found else {
                let gw = expected.gateway.map { " GW:\($0)" } ?? ""
                throw CNIError.internalFailure("Expected Route {Dst:\(expected.destination.network)\(gw)} not found in routing table")
            }
        }
    }

    /// IPs without an interface index, or whose index names the container interface.
    private func isContainerIP(_ ip: CNIResult.IPConfig, _ previous: CNIResult) -> Bool {
        guard let i = ip.interface else { return true }
        return previous.interfaces.indices.contains(i) && previous.interfaces[i].name == context.ifname
    }

    private func checkBridge(_ expected: CNIResult.Interface, socket: NetlinkSocket) throws -> Link {
        guard expected.sandbox.isEmpty else {
            throw CNIError.internalFailure("Interface \(expected.name) should not be in sandbox")
        }
        guard let bridge = try socket.link(named: expected.name) else {
            throw CNIError.internalFailure("Interface name \(expected.name) not found")
        }
        guard bridge.kind == "bridge" else {
            throw CNIError.internalFailure("Interface \(expected.name) does not have link type of bridge")
        }
        try checkMAC(expected.mac, bridge, "Bridge interface \(expected.name) Mac doesn't match: \(expected.mac)")
        guard bridge.promiscuous == config.promiscMode else {
            throw CNIError.internalFailure("Bridge interface \(expected.name) configured Promisc Mode \(config.promiscMode) doesn't match current state: \(bridge.promiscuous)")
        }
        return bridge
    }

    /// Some other prevResult interface must be the container's veth peer, enslaved to the bridge.
    private func checkHostVeth(_ previous: CNIResult, bridge: Link, container: Link, socket: NetlinkSocket) throws {
        for expected in previous.interfaces where expected.name != bridge.name && expected.sandbox.isEmpty {
            guard let link = try socket.link(named: expected.name), link.kind == "veth",
                  link.index == container.parentIndex, link.parentIndex == container.index,
                  link.masterIndex == bridge.index
            else { continue }
            try checkMAC(expected.mac, link, "Interface \(expected.name) Mac doesn't match: \(expected.mac) not found")
            return
        }
        throw CNIError.internalFailure("CNI veth created for bridge \(config.bridgeName) was not found")
    }

    private func checkMAC(_ expected: String, _ link: Link, _ message: @autoclosure () -> String) throws {
        guard !expected.isEmpty else { return }
        guard let want = MACAddress(expected), want == link.mac else {
            throw CNIError.internalFailure(message())
        }
    }
}
