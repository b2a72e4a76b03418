import CNINetlink
import CNIProtocol
import CNISystem

/// With `vlan` and `isGateway`, the gateway lives on `<bridge>.<vlan>`: one end of a node-side veth
/// pair whose other end is an access port of that VLAN on the bridge (as the reference does).
enum VlanGateway {
    static func ensure(bridge: Link, socket: NetlinkSocket, config: BridgeConfig) throws -> Link {
        let name = "\(bridge.name).\(config.vlan)"
        if let existing = try socket.link(named: name) { return existing }
        guard name.utf8.count <= 15 else {
            throw CNIError.invalidConfig("failed to create vlan interface: name \"\(name)\" is longer than 15 bytes",
                                         details: "shorten \"bridge\" to use vlan with isGateway")
        }
        let node: NetworkNamespace
        do { node = try NetworkNamespace.current() } catch {
            throw CNIError.internalFailure("failed to find host namespace: \(error)")
        }
        // nil: a concurrent ADD made the gateway first.
        let port = try VethPair.createUnique(
            socket: socket, host: LinkAttributes(mtu: bridge.mtu, txQueueLength: 0),
            peer: LinkAttributes(name: name, mtu: bridge.mtu, txQueueLength: 0, namespace: node),
            peerExists: { try socket.link(named: name) != nil },
            failure: { _, error in CNIError.internalFailure("failed to create vlan gateway \"\(name)\": \(error)") })
        guard let gateway = try socket.link(named: name) else {
            throw CNIError.internalFailure("failed to create vlan gateway \"\(name)\": it vanished")
        }
        if let port, let portLink = try socket.link(named: port), portLink.parentIndex == gateway.index {
            try socket.setLink(index: portLink.index, LinkAttributes(masterIndex: bridge.index, isUp: true))
            try VethPair.configureVLANs(port: portLink, socket: socket, vlan: config.vlan, trunk: [],
                                        preserveDefault: config.preserveDefaultVlan)
        }
        try socket.setLinkUp(index: gateway.index)
        return try socket.link(index: gateway.index) ?? gateway
    }
}
