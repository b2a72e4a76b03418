import CNIValues
import Glibc

/// One conntrack entry as far as deleting it needs: its original-direction tuple and zone.
package struct ConntrackEntry: Hashable, Sendable, CustomStringConvertible {
    package struct Tuple: Hashable, Sendable {
        package let source: IPAddress
        package let destination: IPAddress
        /// IPPROTO_UDP (17), IPPROTO_TCP (6), ...
        package let protocolNumber: UInt8
        package let sourcePort: UInt16
        package let destinationPort: UInt16

        package init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, sourcePort: UInt16, destinationPort: UInt16) {
            self.source = source
            self.destination = destination
            self.protocolNumber = protocolNumber
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
        }
    }

    package let original: Tuple
    package let zone: UInt16

    package init(original: Tuple, zone: UInt16 = 0) {
        self.original = original
        self.zone = zone
    }

    package var description: String {
        "proto \(original.protocolNumber) src=\(original.source) dst=\(original.destination) "
            + "sport=\(original.sourcePort) dport=\(original.destinationPort) zone \(zone)"
    }

    /// IPPROTO_UDP, the protocol portmap flushes.
    package static let udp = UInt8(IPPROTO_UDP)
}
