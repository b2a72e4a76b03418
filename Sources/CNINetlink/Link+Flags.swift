import CMnl

extension Link {
    /// A link's `ifi_flags` (IFF_*), as `ip link` shows them in `<...>`.
    package struct Flags: OptionSet, Hashable, Sendable {
        package let rawValue: UInt32

        package init(rawValue: UInt32) { self.rawValue = rawValue }

        /// IFF_UP: administratively up.
        package static let up = Flags(rawValue: UInt32(IFF_UP))
        /// IFF_LOOPBACK
        package static let loopback = Flags(rawValue: UInt32(IFF_LOOPBACK))
        /// IFF_RUNNING: operationally up (RFC 2863 up, dormant or unknown).
        package static let running = Flags(rawValue: UInt32(IFF_RUNNING))
        /// IFF_PROMISC: receives every packet.
        package static let promiscuous = Flags(rawValue: UInt32(IFF_PROMISC))
    }

    /// A link's RFC 2863 operational state (IFLA_OPERSTATE, IF_OPER_*).
    package struct OperationalState: RawRepresentable, Hashable, Sendable {
        package let rawValue: UInt8

        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// IF_OPER_UNKNOWN: the driver does not say (lo, tun, ifb).
        package static let unknown = OperationalState(rawValue: UInt8(IF_OPER_UNKNOWN))
        /// IF_OPER_DOWN
        package static let down = OperationalState(rawValue: UInt8(IF_OPER_DOWN))
        /// IF_OPER_LOWERLAYERDOWN: a lower link is down (a veth whose peer is down).
        package static let lowerLayerDown = OperationalState(rawValue: UInt8(IF_OPER_LOWERLAYERDOWN))
        /// IF_OPER_UP: the link can pass packets (carrier on, lower layers up).
        package static let up = OperationalState(rawValue: UInt8(IF_OPER_UP))
    }
}
