import CNIProtocol
import CNIValues

/// The bridge plugin's network configuration (the reference's `NetConf`), fully validated
/// before anything on the node is touched. Pure: no syscalls.
public struct BridgeConfig: Equatable, Sendable {
    /// `ipMasqBackend`: which tool writes the masquerade rules (a `MasqueradeBackend`).
    public enum IPMasqBackend: String, Sendable {
        case iptables
        case nftables
    }

    public var bridgeName = CNIDefaults.bridgeName
    public var isGateway = false
    public var isDefaultGateway = false
    public var forceAddress = false
    public var ipMasq = false
    /// nil: iptables when `iptables-restore` exists, else nftables (decided at use).
    public var ipMasqBackend: IPMasqBackend?
    /// 0: kernel default.
    public var mtu = 0
    public var hairpinMode = false
    public var promiscMode = false
    /// 0: no VLAN. Otherwise the PVID/untagged VLAN of the host port.
    public var vlan = 0
    /// Tagged VLANs of the host port (sorted, unique); empty without `vlanTrunk`.
    public var vlanTrunk: [Int] = []
    /// Whether `vlanTrunk` was given at all (it turns on vlan_filtering even if it lists nothing).
    public var hasVlanTrunk = false
    /// Default false, as upstream since v1.8.0.
    public var preserveDefaultVlan = false
    public var enableDAD = false
    public var macSpoofCheck = false
    /// The container interface's MAC (runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC).
    public var mac: MACAddress?
    public var disableContainerInterface = false
    public var portIsolation = false
    /// `ipam.type`; empty means layer 2 only.
    public var ipamType = ""
    /// The config's `dns`, when it sets anything.
    public var dns: CNIResult.DNS?

    public init() {}

    /// Whether IPAM is called and IP configuration applied.
    public var isLayer3: Bool { !ipamType.isEmpty }

    /// Whether the bridge needs vlan_filtering.
    public var vlanFiltering: Bool { vlan != 0 || hasVlanTrunk }

    /// Parses `json`; `cniArgsMAC` is CNI_ARGS `MAC=` (lowest precedence).
    public init(json o: JSONObject, cniArgsMAC: String? = nil) throws(CNIError) {
        if let name = try o.string("bridge"), !name.isEmpty {
            do {
                try Validation.validateInterfaceName(name)
            } catch {
                throw CNIError.invalidConfig("invalid bridge name \"\(name)\": \(error.msg)", details: error.details)
            }
            bridgeName = name
        }
        isDefaultGateway = try o.bool("isDefaultGateway") ?? false
        isGateway = try (o.bool("isGateway") ?? false) || isDefaultGateway
        forceAddress = try o.bool("forceAddress") ?? false
        ipMasq = try o.bool("ipMasq") ?? false
        if let backend = try o.string("ipMasqBackend"), !backend.isEmpty {
            guard let b = IPMasqBackend(rawValue: backend) else {
                throw CNIError.invalidConfig("unknown ipmasq backend \"\(backend)\"",
                                             details: "ipMasqBackend must be \"iptables\" or \"nftables\"")
            }
            ipMasqBackend = b
        }
        mtu = try o.int("mtu") ?? 0
        guard mtu == 0 || (68...65535).contains(mtu) else {
            throw CNIError.invalidConfig("invalid MTU \(mtu) (must be 0 or between 68 and 65535)")
        }
        hairpinMode = try o.bool("hairpinMode") ?? false
        promiscMode = try o.bool("promiscMode") ?? false
        guard !(hairpinMode && promiscMode) else {
            throw CNIError.invalidConfig("cannot set hairpin mode and promiscuous mode at the same time")
        }
        vlan = try o.int("vlan") ?? 0
        guard (0...4094).contains(vlan) else {
            throw CNIError.invalidConfig("invalid VLAN ID \(vlan) (must be between 0 and 4094)")
        }
        if let trunk = try o.array("vlanTrunk") {
            hasVlanTrunk = true
            vlanTrunk = try BridgeConfig.parseTrunk(trunk)
        }
        guard !(vlan > 0 && !vlanTrunk.isEmpty) else {
            throw CNIError.invalidConfig("cannot set vlan and vlanTrunk at the same time")
        }
        preserveDefaultVlan = try o.bool("preserveDefaultVlan") ?? false
        enableDAD = try o.bool("enabledad") ?? false
        macSpoofCheck = try o.bool("macspoofchk") ?? false
        disableContainerInterface = try o.bool("disableContainerInterface") ?? false
        portIsolation = try o.bool("portIsolation") ?? false
        if let ipam = try o.object("ipam") {
            ipamType = try ipam.string("type") ?? ""
        }
        guard !(disableContainerInterface && isLayer3) else {
            throw CNIError.invalidConfig("cannot use IPAM when DisableContainerInterface flag is set")
        }
        if let d = try o.object("dns") { dns = try BridgeConfig.parseDNS(d) }
        mac = try BridgeConfig.parseMAC(o, cniArgsMAC: cniArgsMAC)
    }

    /// What DEL needs, read leniently (a value of the wrong type counts as absent): the IPAM
    /// type to release the address, and which masquerade and spoof-check rules to remove.
    public init(deleting o: JSONObject) {
        if let bridge = try? o.string("bridge"), !bridge.isEmpty, (try? Validation.validateInterfaceName(bridge)) != nil {
            bridgeName = bridge
        }
        ipMasq = (try? o.bool("ipMasq")) ?? false
        ipMasqBackend = (try? o.string("ipMasqBackend")).flatMap(IPMasqBackend.init(rawValue:))
        macSpoofCheck = (try? o.bool("macspoofchk")) ?? false
        ipamType = (try? o.object("ipam")?.string("type")) ?? ""
    }

    /// `vlanTrunk: [{"id": N} | {"minID": a, "maxID": b}]` → sorted unique VLAN IDs.
    static func parseTrunk(_ items: [JSONValue]) throws(CNIError) -> [Int] {
        var ids = Set<Int>()
        for item in items {
            guard let t = item.objectValue else {
                throw CNIError.invalidConfig("invalid network config: \"vlanTrunk\" entries must be objects")
            }
            let minID = try t.int("minID"), maxID = try t.int("maxID"), id = try t.int("id")
            switch (minID, maxID) {
            case (let lo?, let hi?):
                guard (1...4094).contains(lo) else { throw CNIError.invalidConfig("incorrect trunk minID parameter") }
                guard (1...4094).contains(hi) else { throw CNIError.invalidConfig("incorrect trunk maxID parameter") }
                guard lo <= hi else { throw CNIError.invalidConfig("minID is greater than maxID in trunk parameter") }
                for v in lo...hi { ids.insert(v) }
            case (nil, _?):
                throw CNIError.invalidConfig("minID and maxID should be configured simultaneously, minID is missing")
            case (_?, nil):
                throw CNIError.invalidConfig("minID and maxID should be configured simultaneously, maxID is missing")
            case (nil, nil):
                break
            }
            if let id {
                guard (1...4094).contains(id) else { throw CNIError.invalidConfig("incorrect trunk id parameter") }
                ids.insert(id)
            }
        }
        return ids.sorted()
    }

    /// The config's `dns`; nil when it sets nothing (then IPAM's DNS is kept).
    static func parseDNS(_ d: JSONObject) throws(CNIError) -> CNIResult.DNS? {
        let dns = try CNIResult.DNS(json: d)
        return CNIResult.DNS.isSet(in: d) ? dns : nil
    }

    static func parseMAC(_ o: JSONObject, cniArgsMAC: String?) throws(CNIError) -> MACAddress? {
        var text = cniArgsMAC ?? ""
        if let v = try o.object("args")?.object("cni")?.string("mac"), !v.isEmpty { text = v }
        if let v = try o.object("runtimeConfig")?.string("mac"), !v.isEmpty { text = v }
        guard !text.isEmpty else { return nil }
        guard let mac = MACAddress(text), !mac.isMulticast, !mac.isZero else {
            throw CNIError.invalidConfig("invalid MAC address \"\(text)\"",
                                         details: "the container interface needs a unicast MAC such as 0a:58:0a:f4:01:02")
        }
        return mac
    }
}
