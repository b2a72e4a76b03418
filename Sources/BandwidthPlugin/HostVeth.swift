import CNINetlink
import CNIProtocol
import CNISystem

/// The host end of the pod's veth: CNI_IFNAME in the pod must be a veth, its peer index names a
/// link in the node's namespace, and that link must be among the previous result's host-side
/// interfaces (no sandbox), as the reference's `getHostInterface` requires.
struct HostVeth {
    let index: InterfaceIndex
    let name: String
    let mtu: Int

    static func find(context: PluginContext, previous: CNIResult, host: NetlinkSocket) throws -> HostVeth {
        let hostSide = previous.interfaces.filter { $0.sandbox.isEmpty }.map(\.name)
        guard !previous.interfaces.isEmpty else { throw CNIError.internalFailure("no interfaces provided") }
        let namespace = try context.openNetns()
        let pod: Link?
        do {
            pod = try NetlinkSocket(in: namespace).link(named: context.ifname)
        } catch {
            throw CNIError.internalFailure("failed to get container interface \(context.ifname): \(error)")
        }
        guard let pod else {
            throw CNIError.internalFailure("container interface \(context.ifname) has no veth peer: Link not found")
        }
        guard pod.kind == "veth", let peer = pod.parentIndex, peer > 0 else {
            throw CNIError.internalFailure(
                "container interface \(context.ifname) has no veth peer: interface \"\(context.ifname)\" was not a veth interface")
        }
        guard let link = try host.link(index: peer), hostSide.contains(link.name) else {
            throw CNIError.internalFailure("no veth peer of container interface found in host ns")
        }
        return HostVeth(index: InterfaceIndex(link.index), name: link.name, mtu: link.mtu)
    }
}
