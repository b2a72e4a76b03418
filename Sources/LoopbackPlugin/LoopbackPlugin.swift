import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// Brings `lo` up in the pod (containerd always calls it). `CNI_IFNAME` is ignored: the
/// interface is always `lo`, as in the reference.
package struct LoopbackPlugin: CNIPlugin {
    package let name = "loopback"

    package init() {}

    package func add(_ context: PluginContext) throws -> CNIResult {
        // Every input is checked before the pod is touched: a failed ADD changes nothing.
        let previous = try context.config.previousResult()
        let namespace = try context.openNetns()
        let socket = try NetlinkSocket(in: namespace)
        let lo = try loopbackLink(socket)
        if !lo.isUp { try socket.setLinkUp(index: lo.index) }
        let addresses = try socket.addresses(index: lo.index)
        if let bad = addresses.first(where: { !$0.network.address.isLoopback }) {
            throw CNIError.internalFailure("loopback interface found with non-loopback address \(bad.network)")
        }
        if let previous { return previous }
        var result = CNIResult(interfaces: [.init(name: "lo", mac: "00:00:00:00:00:00", sandbox: context.netns)])
        for family in [IPAddress.Family.v4, .v6] {
            if let a = addresses.first(where: { $0.network.family == family }) {
                result.ips.append(.init(interface: 0, address: a.network))
            }
        }
        return result
    }

    package func del(_ context: PluginContext) throws {
        guard let namespace = try context.openNetnsIfPresent() else { return }  // nothing left to undo
        let socket = try NetlinkSocket(in: namespace)
        guard let lo = try socket.link(named: "lo") else { return }
        if lo.isUp { try socket.setLinkDown(index: lo.index) }
    }

    package func check(_ context: PluginContext) throws {
        let socket = try NetlinkSocket(in: try context.openNetns())
        guard try loopbackLink(socket).isUp else {
            throw CNIError.internalFailure("loopback interface is down")
        }
    }

    private func loopbackLink(_ socket: NetlinkSocket) throws -> Link {
        guard let lo = try socket.link(named: "lo") else {
            throw CNIError.internalFailure("no loopback interface in the network namespace")
        }
        return lo
    }
}
