import CMnl
import CNISystem
import Glibc

extension NetlinkSocket {
    /// The id this socket's netns uses for `namespace` (what links report as IFLA_LINK_NETNSID),
    /// or nil when none is assigned. One RTM_GETNSID request with NETNSA_FD.
    package func namespaceID(of namespace: NetworkNamespace) throws -> Int32? {
        var m = NetlinkRequest(type: Int(RTM_GETNSID))
        m.header(rtgenmsg(rtgen_family: UInt8(AF_UNSPEC)))
        try m.put(NETNSA_FD, u32: UInt32(bitPattern: namespace.fileDescriptor))
        let replies = try execute(m, "get the id of netns \(namespace.path)")
        for reply in replies where reply.type == UInt16(RTM_NEWNSID) {
            let attributes = reply.attributes(afterHeader: MemoryLayout<rtgenmsg>.size)
            guard let id = attributes.i32(NETNSA_NSID) else { continue }
            return id < 0 ? nil : id
        }
        return nil
    }
}
