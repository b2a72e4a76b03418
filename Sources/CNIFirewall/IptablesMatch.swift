import CNIValues

/// The matches and targets of the iptables rules the suite writes (portmap's and bridge's nat
/// rules), as values. `IptablesRule(chain:_:_:)` renders them into the words `iptables-save`
/// prints, in the order given (give `-s -d -p` first, then the `-m` matches, as `iptables-save`
/// does, so generated and saved rules compare equal).
package enum IptablesMatch: Hashable, Sendable {
    /// `-s <address>`, `! -s <address>`.
    case source(FirewallAddress, negated: Bool = false)
    /// `-d <address>`, `! -d <address>`.
    case destination(FirewallAddress, negated: Bool = false)
    /// `-p <protocol>`.
    case `protocol`(String)
    /// `-m comment --comment <text>`.
    case comment(String)
    /// `-m multiport --dports <p1,p2,...>`.
    case destinationPorts([Int])
    /// `-m <transport> --dport <port>`.
    case destinationPort(transport: String, port: Int)
    /// `-m addrtype --dst-type LOCAL`.
    case localDestination
    /// `-m mark --mark <value[/mask]>`.
    case mark(String)
    /// Words given by configuration (portmap's `conditionsV4`/`conditionsV6` in iptables syntax),
    /// kept as they are; `RestoreTokens` quotes them and refuses control characters.
    case configured([String])

    var words: [String] {
        switch self {
        case .source(let a, let negated): return (negated ? ["!"] : []) + ["-s", a.iptablesText]
        case .destination(let a, let negated): return (negated ? ["!"] : []) + ["-d", a.iptablesText]
        case .protocol(let p): return ["-p", p]
        case .comment(let text): return ["-m", "comment", "--comment", text]
        case .destinationPorts(let ports): return ["-m", "multiport", "--dports", ports.map(String.init).joined(separator: ",")]
        case .destinationPort(let transport, let port): return ["-m", transport, "--dport", String(port)]
        case .localDestination: return ["-m", "addrtype", "--dst-type", "LOCAL"]
        case .mark(let value): return ["-m", "mark", "--mark", value]
        case .configured(let words): return words
        }
    }
}

package enum IptablesTarget: Hashable, Sendable {
    /// `-j <chain>`.
    case jump(String)
    /// `-g <chain>`.
    case goto(String)
    case accept
    case masquerade
    /// `-j DNAT --to-destination <address>:<port>` (an IPv6 address in brackets).
    case dnat(IPAddress, port: Int)
    /// `-j SNAT --to-source <address>`.
    case snat(IPAddress)
    /// `-j MARK --set-xmark <value/mask>`.
    case setMark(String)

    var words: [String] {
        switch self {
        case .jump(let chain): return ["-j", chain]
        case .goto(let chain): return ["-g", chain]
        case .accept: return ["-j", "ACCEPT"]
        case .masquerade: return ["-j", "MASQUERADE"]
        case .dnat(let address, let port):
            return ["-j", "DNAT", "--to-destination", address.family == .v4 ? "\(address):\(port)" : "[\(address)]:\(port)"]
        case .snat(let address): return ["-j", "SNAT", "--to-source", address.description]
        case .setMark(let value): return ["-j", "MARK", "--set-xmark", value]
        }
    }
}

extension IptablesRule {
    /// A rule built from values: the matches in order, then the target.
    package init(chain: String, _ matches: [IptablesMatch], _ target: IptablesTarget) {
        self.init(chain: chain, matches.flatMap(\.words) + target.words)
    }

    // MARK: Reading a rule (built or parsed from `iptables-save`)

    /// The word after `flag`, if any.
    func value(after flag: String) -> String? {
        guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    /// `-s`'s value as written (`10.244.1.3/32`).
    package var sourceText: String? { value(after: "-s") }

    /// `-d`'s value as written.
    package var destinationText: String? { value(after: "-d") }

    /// `-p`'s value.
    package var protocolName: String? { value(after: "-p") }

    /// `--dport`'s value.
    package var destinationPort: Int? { value(after: "--dport").flatMap { Int($0) } }

    /// multiport's `--dports` list as written (`8080,8443`).
    package var destinationPortList: String? { value(after: "--dports") }

    /// A DNAT rule's `--to-destination` (`10.244.1.3:80`).
    package var dnatDestination: String? { value(after: "--to-destination") }
}
