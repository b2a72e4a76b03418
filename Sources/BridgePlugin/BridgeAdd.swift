import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// One ADD: everything it creates is recorded in a `Rollback`, so a failure anywhere leaves the
/// pod and node as they were (except the bridge itself, which is shared and never removed).
struct BridgeAdd {
    let context: PluginContext
    let config: BridgeConfig

    func run() throws -> CNIResult {
        if config.macSpoofCheck && !SpoofCheckRules(containerID: context.containerID, ifname: context.ifname).hasValidChainNames {
            throw CNIError(code: CNIError.invalidEnvironment, "macspoofchk needs an interface name of letters, digits, '_', '.' or '-'",
                           details: context.ifname)
        }
        let podNamespace = try context.openNetns()
        let podSocket = try NetlinkSocket(in: podNamespace)
        let hostSocket = try NetlinkSocket()
        let device = BridgeDevice(socket: hostSocket, config: config)
        let bridge = try device.ensure()

        let rollback = Rollback()
        do {
            let result = try build(bridge: bridge, device: device, podSocket: podSocket,
                                   podNamespace: podNamespace, rollback: rollback)
            rollback.commit()
            return result
        } catch {
            rollback.undo()
            throw error
        }
    }

    private func build(bridge: Link, device: BridgeDevice, podSocket: NetlinkSocket,
                       podNamespace: NetworkNamespace, rollback: Rollback) throws -> CNIResult {
        let hostSocket = device.socket
        let ifname = context.ifname
        let veth = try VethPair.create(hostSocket: hostSocket, podSocket: podSocket, podNamespace: podNamespace,
                                       ifname: ifname, config: config)
        rollback.record("delete \(ifname) in \(context.netns)") {
            do { try podSocket.deleteLink(index: veth.container.index) } catch Errno.noSuchDevice {}
        }
        try veth.attach(to: bridge, socket: hostSocket, config: config)

        var result = CNIResult(interfaces: [
            .init(name: bridge.name, mac: bridge.mac?.description ?? ""),
            .init(name: veth.host.name, mac: veth.host.mac?.description ?? ""),
            .init(name: ifname, mac: veth.container.mac?.description ?? "", sandbox: context.netns),
        ])
        if config.macSpoofCheck {
            let spoof = SpoofCheck(containerID: context.containerID, ifname: ifname)
            rollback.record("remove spoof-check rules") { try spoof.teardown() }
            try spoof.setup(hostInterface: veth.host.name, mac: veth.container.mac?.description ?? "")
        }
        let pod = PodInterface(socket: podSocket, namespace: podNamespace, link: veth.container, config: config)
        if config.isLayer3 {
            let delegator = context.delegator, type = config.ipamType, raw = context.config.raw
            // Recorded before the call: a delegate that fails half-way gets its DEL too (containernetworking/cni:SPEC.md, delegated plugins).
            rollback.record("release the IPAM allocation (\(type) DEL)") { try delegator.del(type: type, config: raw) }
            let ipam = try delegator.add(type: type, config: raw)
            let plan = try GatewayPlan(ipam: ipam, config: config)
            try pod.configure(plan)
            if config.isGateway {
                let gatewayLink = config.vlan != 0
                    ? try VlanGateway.ensure(bridge: bridge, socket: hostSocket, config: config) : bridge
                if gatewayLink.index != bridge.index {
                    result.interfaces.append(.init(name: gatewayLink.name, mac: gatewayLink.mac?.description ?? ""))
                }
                var existing = try hostSocket.addresses(index: gatewayLink.index)
                for address in plan.bridgeAddresses {
                    try device.ensureAddress(address, on: gatewayLink, existing: &existing,
                                             bridgeIndex: bridge.index, ownPort: veth.host.index)
                }
                try BridgeDevice.enableForwarding(plan.forwardingFamilies)
            }
            if config.ipMasq {
                let masq = Masquerade(network: context.config.name, containerID: context.containerID, ifname: ifname)
                let families = Array(Set(plan.ips.map(\.address.family)))
                rollback.record("remove IP masquerade rules") { try masq.teardown(families: families) }
                try masq.setup(plan.ips.map(\.address), config: config)
            }
            result.ips = plan.ips
            result.routes = plan.routes
            result.dns = ipam.dns
        } else if !config.disableContainerInterface {
            try pod.bringUp()
        }

        // The host end once more: up (unless its peer is meant to stay down) and its MAC.
        let host = config.disableContainerInterface ? try hostSocket.link(index: veth.host.index)
                                                    : try waitForPortUp(veth.host, socket: hostSocket)
        if let mac = host?.mac { result.interfaces[1].mac = mac.description }
        // The bridge MAC may have changed when the port joined or the address was set.
        if let current = try hostSocket.link(index: bridge.index), let mac = current.mac {
            result.interfaces[0].mac = mac.description
        }
        if let dns = config.dns { result.dns = dns }
        return result
    }

    /// Waits for the host end to be operationally up (0, 50, 500, 1000, 1000 ms, as the reference).
    private func waitForPortUp(_ port: Link, socket: NetlinkSocket) throws -> Link? {
        var last: Link?
        for delay in [0, 50, 500, 1000, 1000] {
            CNISystem.sleep(milliseconds: delay)
            last = try socket.link(index: port.index)
            guard let link = last else {
                throw CNIError.internalFailure("bridge port \(port.name) vanished")
            }
            if link.isOperationallyUp { return link }
        }
        throw CNIError.internalFailure("bridge port in error state: \(BridgeAdd.operStateName(last?.operState ?? 0))")
    }

    static let operStates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"]

    static func operStateName(_ state: UInt8) -> String {
        operStates.indices.contains(Int(state)) ? operStates[Int(state)] : "unknown"
    }
}
