import CNIValues
import FlannelSubnet

/// flanneld's lease as the flannel plugin will read it on the next ADD (pure): the file's state
/// through the plugin's own parser (`SubnetEnv.parse`), then the consistency flanneld guarantees
/// and a hand-written or stale file may lack.
struct LeaseCheck: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// The file is not there: flanneld has not written it (not running, no lease yet).
        case missing(String)
        /// Cannot be read (permissions, a directory, too large).
        case unreadable(String)
        /// flannel refuses it: a malformed line (`line` set) or missing keys (`missingKeys` set).
        case refused(message: String, line: Int?, missingKeys: [String])
        /// Parsed; `inconsistencies` lists what does not add up.
        case parsed(SubnetEnv, inconsistencies: [String])
    }

    var path: String
    /// Where the path came from (`subnetFile` of the selected conflist, or `--subnet-file`).
    var source: String
    var state: State

    init(path: String, source: String, state: State) {
        self.path = path
        self.source = source
        self.state = state
    }

    /// Parses file content as the plugin would, then checks it.
    init(path: String, source: String, text: String) {
        self.path = path
        self.source = source
        do {
            let env = try SubnetEnv.parse(text, path: path)
            state = .parsed(env, inconsistencies: Self.inconsistencies(env))
        } catch {
            switch error.kind {
            case .malformed(let line): state = .refused(message: error.message, line: line, missingKeys: [])
            case .incomplete(let keys): state = .refused(message: error.message, line: nil, missingKeys: keys)
            case .missingFile: state = .missing(error.message)
            case .unreadable: state = .unreadable(error.message)
            }
        }
    }

    var isUsable: Bool {
        if case .parsed(_, let problems) = state { return problems.isEmpty }
        return false
    }

    /// FLANNEL_SUBNET inside a FLANNEL_NETWORK; the IPv6 pair both present or both absent, the
    /// subnet inside the network; a subnet of at least one address more than the gateway.
    static func inconsistencies(_ env: SubnetEnv) -> [String] {
        var out: [String] = []
        func check(_ subnet: IPNetwork?, _ networks: [IPNetwork], _ subnetKey: String, _ networkKey: String) {
            switch (subnet, networks.isEmpty) {
            case (nil, true):
                break
            case (nil, false):
                out.append("\(networkKey) is set but \(subnetKey) is not: flanneld wrote half a lease")
            case (let s?, true):
                out.append("\(subnetKey)=\(s) is set but \(networkKey) is not: pods get no route to the other nodes")
            case (let s?, false):
                if !networks.contains(where: { $0.contains(s.network.address) && $0.prefixLength <= s.prefixLength }) {
                    out.append("\(subnetKey)=\(s) is not inside \(networkKey)=\(networks.map(\.description).joined(separator: ",")): "
                        + "the lease belongs to another cluster network (a stale subnet.env?)")
                }
                if s.prefixLength >= s.address.bitWidth - 1 {
                    out.append("\(subnetKey)=\(s) leaves no address for pods")
                }
            }
        }
        check(env.subnet, env.networks, "FLANNEL_SUBNET", "FLANNEL_NETWORK")
        check(env.ipv6Subnet, env.ipv6Networks, "FLANNEL_IPV6_SUBNET", "FLANNEL_IPV6_NETWORK")
        return out
    }
}
