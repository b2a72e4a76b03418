import CNIValues

/// One nftables rule expression of the kinds the suite writes (portmap's `cni_hostport` tables,
/// bridge's masquerade and spoof-check tables), as values: matches, then statements. The text of
/// an `add rule` is rendered only here (`text()`), and the rules `nft -j` lists are read back into
/// the same values (`NftRuleListing`), so nothing else builds or parses nft rule syntax.
///
///     tcp dport 8080 dnat to 10.244.1.3:80
///     ip saddr == 10.244.1.3 ip daddr != 10.244.1.0/24 masquerade
///     iifname "veth1234abcd" jump cni-br-iface-c1-eth0
package struct NftRule: Hashable, Sendable, CustomStringConvertible {
    package var matches: [Match]
    package var statements: [Statement]
    /// Blanks between the last match and the first statement: 1, or 2 where upstream writes two
    /// (`ip daddr == 224.0.0.0/4  return` in `containernetworking/plugins:pkg/ip/ipmasq_nftables_linux.go`)
    /// and our batches keep its text byte for byte.
    package var statementGap: Int

    package init(_ matches: [Match], _ statements: [Statement], statementGap: Int = 1) {
        self.matches = matches
        self.statements = statements
        self.statementGap = statementGap
    }

    /// Statements only (`jump hostports`, `drop`).
    package init(_ statements: [Statement]) {
        self.init([], statements)
    }

    /// `==`, `!=`, or nothing (nft's implicit equality, which is also how it lists `==`).
    package enum Operator: String, Hashable, Sendable {
        case implicit = ""
        case equal = "=="
        case notEqual = "!="
    }

    package enum Direction: String, Hashable, Sendable {
        case source = "saddr"
        case destination = "daddr"
    }

    /// An address match's value: one address or a prefix.
    package typealias Address = FirewallAddress

    package enum Match: Hashable, Sendable {
        /// `ip|ip6 saddr|daddr [op] <address>` (the keyword follows the address's family).
        case address(Direction, Operator, Address)
        /// `tcp|udp|sctp dport <port>`.
        case destinationPort(transport: String, port: Int)
        /// `meta l4proto <name>`.
        case l4Protocol(String)
        /// `meta nfproto ipv4|ipv6`.
        case l3Protocol(IPAddress.Family)
        /// `fib daddr type local`.
        case localDestination
        /// `ct status dnat`: the connection was destination-NATed.
        case destinationNATed
        /// `iifname "<name>"`.
        case inputInterface(String)
        /// `oifname "<name>"`.
        case outputInterface(String)
        /// `ether saddr <mac>`.
        case etherSource(MACAddress)
        /// `meta mark <value>`.
        case mark(UInt32)
        /// Words given by configuration (portmap's `conditionsV4`/`conditionsV6`), kept as they are
        /// but refused when they could end the command (`NftText.expression`).
        case configured([String])
        /// A listed expression this model does not cover (its `nft -j` JSON): shown, never written.
        case listed(String)
    }

    package enum Statement: Hashable, Sendable {
        /// `dnat to <address>[:<port>]` (an IPv6 address with a port in brackets).
        case dnat(IPAddress, port: Int?)
        /// `snat to <address>`.
        case snat(IPAddress)
        case masquerade
        case jump(String)
        case goto(String)
        case accept
        case drop
        case `return`
        case counter
        /// A listed statement this model does not cover (its `nft -j` JSON): shown, never written.
        case listed(String)
    }

    /// The expression as written in an `add rule` command. Throws for values that cannot be
    /// written safely (interface names with quotes, configured words that end the command, chain
    /// names that are not identifiers) and for `listed` parts.
    package func text() throws(FirewallTextError) -> String {
        var head: [String] = []
        for m in matches {
            let words = try Self.words(m)
            if !words.isEmpty { head.append(words) }
        }
        var tail: [String] = []
        for s in statements { tail.append(try Self.words(s)) }
        let statementText = tail.joined(separator: " ")
        guard !head.isEmpty else { return statementText }
        return head.joined(separator: " ") + String(repeating: " ", count: max(1, statementGap)) + statementText
    }

    /// The expression for reading (listed parts included, comment not).
    package var description: String {
        let head = matches.map { (try? Self.words($0)) ?? Self.listedText($0) }.filter { !$0.isEmpty }
        let tail = statements.map { (try? Self.words($0)) ?? Self.listedText($0) }
        return (head + tail).joined(separator: " ")
    }

    // MARK: Reading

    /// The `dport` of the rule's first port match, with its transport.
    package var destinationPort: (transport: String, port: Int)? {
        for case .destinationPort(let transport, let port) in matches { return (transport, port) }
        return nil
    }

    /// The value of the first `<family> <direction>` match (any operator).
    package func address(_ direction: Direction) -> Address? {
        for case .address(let d, _, let a) in matches where d == direction { return a }
        return nil
    }

    /// The target of the first `dnat` statement: `10.244.1.3:80`, `[fd00::3]:80`.
    package var dnatTarget: String? {
        for case .dnat(let address, let port) in statements { return Self.target(address, port: port) }
        return nil
    }

    package var isMasquerade: Bool { statements.contains(.masquerade) }

    // MARK: Rendering

    static func payload(_ family: IPAddress.Family) -> String { family == .v4 ? "ip" : "ip6" }

    static func target(_ address: IPAddress, port: Int?) -> String {
        guard let port else { return address.description }
        return address.family == .v4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }

    static func words(_ match: Match) throws(FirewallTextError) -> String {
        switch match {
        case .address(let direction, let op, let value):
            let keyword = "\(payload(value.family)) \(direction.rawValue)"
            return op == .implicit ? "\(keyword) \(value)" : "\(keyword) \(op.rawValue) \(value)"
        case .destinationPort(let transport, let port):
            try NftText.checkIdentifier(transport)
            return "\(transport) dport \(port)"
        case .l4Protocol(let name):
            try NftText.checkIdentifier(name)
            return "meta l4proto \(name)"
        case .l3Protocol(let family):
            return "meta nfproto \(family == .v4 ? "ipv4" : "ipv6")"
        case .localDestination:
            return "fib daddr type local"
        case .destinationNATed:
            return "ct status dnat"
        case .inputInterface(let name):
            return "iifname \(try NftText.quotedComment(name))"
        case .outputInterface(let name):
            return "oifname \(try NftText.quotedComment(name))"
        case .etherSource(let mac):
            return "ether saddr \(mac)"
        case .mark(let value):
            return "meta mark 0x" + String(value, radix: 16)
        case .configured(let words):
            return try NftText.expression(words)
        case .listed(let json):
            throw FirewallTextError(value: json, reason: "a listed nft expression cannot be written back")
        }
    }

    static func words(_ statement: Statement) throws(FirewallTextError) -> String {
        switch statement {
        case .dnat(let address, let port): return "dnat to \(target(address, port: port))"
        case .snat(let address): return "snat to \(address)"
        case .masquerade: return "masquerade"
        case .jump(let chain):
            try NftText.checkIdentifier(chain)
            return "jump \(chain)"
        case .goto(let chain):
            try NftText.checkIdentifier(chain)
            return "goto \(chain)"
        case .accept: return "accept"
        case .drop: return "drop"
        case .return: return "return"
        case .counter: return "counter"
        case .listed(let json):
            throw FirewallTextError(value: json, reason: "a listed nft statement cannot be written back")
        }
    }

    static func listedText(_ match: Match) -> String {
        switch match {
        case .listed(let json): return json
        case .inputInterface(let name): return "iifname \"\(name)\""
        case .outputInterface(let name): return "oifname \"\(name)\""
        case .configured(let words): return words.joined(separator: " ")
        default: return ""
        }
    }

    static func listedText(_ statement: Statement) -> String {
        switch statement {
        case .listed(let json): return json
        case .jump(let chain): return "jump \(chain)"
        case .goto(let chain): return "goto \(chain)"
        default: return ""
        }
    }
}
