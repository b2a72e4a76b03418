import CMnl

extension KernelRoute {
    /// A route's scope (`rtm_scope`, RT_SCOPE_*): how far away its destination is.
    package struct Scope: RawRepresentable, Hashable, Sendable {
        package let rawValue: UInt8

        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// RT_SCOPE_UNIVERSE: reached through a gateway, or anywhere (`ip route add`'s default).
        package static let universe = Scope(rawValue: UInt8(RT_SCOPE_UNIVERSE.rawValue))
        /// RT_SCOPE_LINK: on the attached link (the kernel's scope for a route without a gateway).
        package static let link = Scope(rawValue: UInt8(RT_SCOPE_LINK.rawValue))
        /// RT_SCOPE_HOST: this host's own addresses (the local table).
        package static let host = Scope(rawValue: UInt8(RT_SCOPE_HOST.rawValue))
        /// RT_SCOPE_NOWHERE: in a delete request, "any scope".
        package static let nowhere = Scope(rawValue: UInt8(RT_SCOPE_NOWHERE.rawValue))
    }

    /// Who installed a route (`rtm_protocol`, RTPROT_*).
    package struct `Protocol`: RawRepresentable, Hashable, Sendable {
        package let rawValue: UInt8

        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// RTPROT_UNSPEC: in a delete request, "any protocol".
        package static let unspecified = `Protocol`(rawValue: UInt8(RTPROT_UNSPEC))
        /// RTPROT_KERNEL: the kernel, for an address's connected route.
        package static let kernel = `Protocol`(rawValue: UInt8(RTPROT_KERNEL))
        /// RTPROT_BOOT: an administrator or a program (`ip route add`, Go's netlink, the plugins).
        package static let boot = `Protocol`(rawValue: UInt8(RTPROT_BOOT))
    }

    /// A route's type (`rtm_type`, RTN_*).
    package struct Kind: RawRepresentable, Hashable, Sendable {
        package let rawValue: UInt8

        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// RTN_UNSPEC: in a delete request, "any type".
        package static let unspecified = Kind(rawValue: UInt8(RTN_UNSPEC))
        /// RTN_UNICAST: a gateway or direct route.
        package static let unicast = Kind(rawValue: UInt8(RTN_UNICAST))
        /// RTN_LOCAL: an address of this host.
        package static let local = Kind(rawValue: UInt8(RTN_LOCAL))
    }
}
