import CNIValues
import Glibc

/// One conntrack entry as far as deleting it needs: its original-direction tuple and zone.
public struct ConntrackEntry: Hashable, Sendable, CustomStringConvertible {
    public struct Tuple: Hashable, Sendable {
        public let source: IPAddress
        public let destination: IPAddress
        /// IPPROTO_UDP (17), IPPROTO_TCP (6), ...
        public let protocolNumber: UInt8
        public let sourcePort: UInt16
        public let destinationPort: UInt16

        public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, sourcePort: UInt16, destinationPort: UInt16) {
            self.source = source
            self.destination = destination
            self.protocolNumber = protocolNumber
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
        }
    }

    public let original: Tuple
    public let zone: UInt16

    public init(original: Tuple, zone: UInt16 = 0) {
        self.original = original
        self.zone = zone
    }

    public var description: String {
        "proto \(original.protocolNumber) src=\(original.source) dst=\(original.destination) "
            + "sport=\(original.sourcePort) dport=\(original.destinationPort) zone \(zone)"
    }

    /// IPPROTO_UDP, the protocol portmap flushes.
    public static let udp = UInt8(IPPROTO_UDP)
}
