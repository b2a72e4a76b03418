/// The comment that names the attachment a rule belongs to, as the reference writes it:
/// `name: "<network>" id: "<containerID>"` (bridge's masquerade rules), with a prefix for
/// portmap's entry rules (`dnat name: "cbr0" id: "c2"`). Built and parsed only here.
package struct OwnerComment: Hashable, Sendable, CustomStringConvertible {
    package let prefix: String
    package let network: String
    package let containerID: String

    /// portmap's entry rules.
    package static let portmapPrefix = "dnat "

    package init(prefix: String = "", network: String, containerID: String) {
        self.prefix = prefix
        self.network = network
        self.containerID = containerID
    }

    /// The full comment text.
    package var description: String { "\(prefix)name: \"\(network)\" id: \"\(containerID)\"" }

    /// The comment cut to `maximumLength` bytes (the last three replaced by `...`), as the
    /// reference does for xt_comment's 255-character limit.
    package func text(maximumLength: Int) -> String {
        let full = description
        guard full.utf8.count > maximumLength, maximumLength > 3 else { return full }
        return String(decoding: full.utf8.prefix(maximumLength - 3), as: UTF8.self) + "..."
    }

    /// Parses a comment written with `prefix`; nil for anything else (also for a cut comment).
    /// The network is what lies between `name: "` and the last `" id: "`, so a network name holding
    /// quotes still parses.
    package init?(parsing text: String, prefix: String = "") {
        let head = prefix + "name: \""
        guard text.hasPrefix(head), text.hasSuffix("\""), text.utf8.count > head.utf8.count else { return nil }
        let body = String(text.dropFirst(head.count).dropLast())
        guard let separator = body.ranges(of: "\" id: \"").last else { return nil }
        let network = String(body[..<separator.lowerBound])
        let id = String(body[separator.upperBound...])
        guard !id.isEmpty, !id.contains("\"") else { return nil }
        self.init(prefix: prefix, network: network, containerID: id)
    }
}
