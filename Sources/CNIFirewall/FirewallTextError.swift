/// A value that cannot be written safely into an `iptables-restore` line or an `nft -f` batch
/// (a newline would end the line and start a rule of the caller's choosing).
package struct FirewallTextError: Error, Equatable, CustomStringConvertible, Sendable {
    package let value: String
    package let reason: String

    package init(value: String, reason: String) {
        self.value = value
        self.reason = reason
    }

    package var description: String {
        let shown = value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined()
        return "refusing firewall rule argument \"\(shown)\": \(reason)"
    }
}
