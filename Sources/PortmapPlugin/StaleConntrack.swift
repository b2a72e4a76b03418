import CNINetlink
import CNISystem
import CNIValues

/// Deletes the UDP conntrack entries whose original destination port is a mapped host port, so
/// earlier UDP "connections" to the host port don't keep bypassing the new DNAT (after ADD) or
/// keep reaching a pod that is gone (after DEL). Through ctnetlink (`IPCTNL_MSG_CT_DELETE` over
/// NETLINK_NETFILTER), no `conntrack` tool needed. Failures are only logged, as in the reference.
enum StaleConntrack {
    static func flushUDP(ports: [Int], family: IPAddress.Family) {
        var seen: Set<UInt16> = []
        let unique = ports.compactMap(UInt16.init(exactly:)).filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return }
        let socket: NetlinkSocket
        do {
            socket = try NetlinkSocket.netfilter()
        } catch {
            Log.warning(plugin: "portmap", "cannot open a conntrack netlink socket: \(error)")
            return
        }
        for port in unique {
            do {
                try socket.deleteConntrack(family: family, protocolNumber: ConntrackEntry.udp, destinationPort: port)
            } catch {
                Log.warning(plugin: "portmap", "failed to delete stale UDP conntrack entries for port \(port): \(error)")
            }
        }
    }
}
