/// The verbs of the CNI protocol (`CNI_COMMAND`).
package enum CNICommand: String, Sendable, CaseIterable {
    case add = "ADD"
    case del = "DEL"
    case check = "CHECK"
    case version = "VERSION"
    case gc = "GC"
    case status = "STATUS"

    /// Whether the command acts on one attachment (container ID + ifname).
    package var targetsAttachment: Bool { self == .add || self == .del || self == .check }

    /// The oldest config version that allows the command.
    package var minimumVersion: CNIVersion? {
        switch self {
        case .check: return .v0_4_0
        case .gc, .status: return .v1_1_0
        default: return nil
        }
    }
}
