import CNIProtocol
import HostLocalStore

extension ReservationOwner {
    init(_ attachment: Attachment) {
        self.init(containerID: attachment.containerID, ifname: attachment.ifname)
    }

    /// Recorded for exactly this container and interface.
    func isExactly(_ a: Attachment) -> Bool {
        ifname == a.ifname && containerID == a.containerID
    }

    /// A legacy record of this container (any interface).
    func isLegacyRecord(of a: Attachment) -> Bool {
        ifname == nil && containerID == a.containerID
    }
}
