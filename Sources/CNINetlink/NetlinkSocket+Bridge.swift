import CMnl
import CNISystem
import Glibc

extension NetlinkSocket {
    /// Bridge port flags through PF_BRIDGE RTM_SETLINK and a flagged IFLA_PROTINFO nest.
    package func setBridgePort(index: InterfaceIndex, hairpin: Bool?, isolated: Bool?) throws {
        guard hairpin != nil || isolated != nil else { return }
        var m = NetlinkRequest(type: Int(RTM_SETLINK))
        m.header(Self.linkHeader(index: index, family: AF_BRIDGE))
        try m.nest(IFLA_PROTINFO, flagged: true) { m throws(NetlinkError) in
            if let hairpin { try m.put(IFLA_BRPORT_MODE, u8: hairpin ? 1 : 0) }
            if let isolated { try m.put(IFLA_BRPORT_ISOLATED, u8: isolated ? 1 : 0) }
        }
        _ = try execute(m, "set bridge port flags on link \(index)")
    }

    /// Turns VLAN filtering on a bridge on or off (RTM_NEWLINK with the bridge kind).
    package func setBridgeVLANFiltering(index: InterfaceIndex, on: Bool) throws {
        var m = NetlinkRequest(type: Int(RTM_NEWLINK))
        m.header(Self.linkHeader(index: index))
        try m.nest(IFLA_LINKINFO) { m throws(NetlinkError) in
            try m.put(IFLA_INFO_KIND, string: "bridge")
            try m.nest(IFLA_INFO_DATA) { m throws(NetlinkError) in
                try m.put(IFLA_BR_VLAN_FILTERING, u8: on ? 1 : 0)
            }
        }
        _ = try execute(m, "set vlan_filtering \(on ? 1 : 0) on bridge \(index)")
    }

    /// Adds VLAN `vid` to a bridge port (`bridge vlan add dev PORT vid VID [pvid] [untagged]`).
    /// `bridgeSelf` addresses the bridge device itself (`... self`) instead of a port.
    package func addBridgeVLAN(portIndex: InterfaceIndex, vid: UInt16, pvid: Bool, untagged: Bool, bridgeSelf: Bool = false) throws {
        var flags: UInt16 = 0
        if pvid { flags |= UInt16(BRIDGE_VLAN_INFO_PVID) }
        if untagged { flags |= UInt16(BRIDGE_VLAN_INFO_UNTAGGED) }
        let m = try bridgeVLANRequest(type: Int(RTM_SETLINK), portIndex: portIndex, vid: vid, flags: flags, bridgeSelf: bridgeSelf)
        _ = try execute(m, "add vlan \(vid) to link \(portIndex)")
    }

    package func deleteBridgeVLAN(portIndex: InterfaceIndex, vid: UInt16, bridgeSelf: Bool = false) throws {
        let m = try bridgeVLANRequest(type: Int(RTM_DELLINK), portIndex: portIndex, vid: vid, flags: 0, bridgeSelf: bridgeSelf)
        _ = try execute(m, "delete vlan \(vid) from link \(portIndex)")
    }

    private func bridgeVLANRequest(
        type: Int, portIndex: InterfaceIndex, vid: UInt16, flags: UInt16, bridgeSelf: Bool
    ) throws(NetlinkError) -> NetlinkRequest {
        var m = NetlinkRequest(type: type)
        m.header(Self.linkHeader(index: portIndex, family: AF_BRIDGE))
        try m.nest(IFLA_AF_SPEC) { m throws(NetlinkError) in
            if bridgeSelf { try m.put(IFLA_BRIDGE_FLAGS, u16: UInt16(BRIDGE_FLAGS_SELF)) }
            var info = bridge_vlan_info()
            info.flags = flags
            info.vid = vid
            try m.put(IFLA_BRIDGE_VLAN_INFO, struct: info)
        }
        return m
    }
}
