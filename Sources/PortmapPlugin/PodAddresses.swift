import CNIProtocol
import CNIValues

/// The pod's addresses to forward to, picked from `prevResult` as the reference does: the first
/// IPv4 and the first IPv6 whose `interface` index (when it points into `interfaces`) names
/// `CNI_IFNAME` inside a sandbox.
struct PodAddresses: Equatable, Sendable {
    var v4: IPNetwork?
    var v6: IPNetwork?

    init(v4: IPNetwork? = nil, v6: IPNetwork? = nil) {
        self.v4 = v4
        self.v6 = v6
    }

    init(result: CNIResult, ifname: String) {
        for ip in result.ips {
            let family = ip.address.family
            if family == .v4 && v4 != nil || family == .v6 && v6 != nil { continue }
            if let index = ip.interface, index >= 0, index < result.interfaces.count {
                let interface = result.interfaces[index]
                if interface.name != ifname || interface.sandbox.isEmpty { continue }
            }
            if family == .v4 { v4 = ip.address } else { v6 = ip.address }
        }
    }

    /// The addresses present, IPv4 first.
    var all: [IPNetwork] { [v4, v6].compactMap { $0 } }

    var isEmpty: Bool { v4 == nil && v6 == nil }
}
