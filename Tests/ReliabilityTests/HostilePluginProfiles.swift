import Foundation

/// Valid templates and targeted breakages for flannel, bridge, host-local and portmap.
extension PluginProfile {
    static let badRoutes: [JSONText] = [[["dst": "bad"]], [["gw": "10.0.0.1"]], [5], [["dst": "10.0.0.0/8", "gw": "bad"]], [["dst": "10.0.0.0/33"]]]
    static let badMACs: [JSONText] = ["zz", "01:00:5e:00:00:01", "00:00:00:00:00:00", "0a:58:0a:f4:01", "ff:ff:ff:ff:ff:ff"]

    static func badDataDirs(_ p: FuzzPaths, _ usual: String) -> [JSONText] {
        [.string(p.regularFile), .string(p.regularFile + "/sub"), .string(usual + "\u{0}x"), .string(p.overlong)]
    }

    /// Broken `ranges` for a store on `net` (e.g. "10.99.0").
    static func badRanges(_ net: String) -> [JSONText] {
        [
            [[["subnet": .string(net + ".0/33")]]], [[["subnet": "300.1.1.0/24"]]], [[["subnet": "abc"]]], [[["subnet": ""]]],
            [[["subnet": .string(net + ".0/24"), "gateway": "x"]]],
            [[["subnet": .string(net + ".0/24"), "rangeStart": "10.250.0.5"]]],
            [[["subnet": .string(net + ".0/24"), "rangeStart": .string(net + ".200"), "rangeEnd": .string(net + ".100")]]],
            [[["subnet": .string(net + ".0/24"), "rangeEnd": "x"]]], [[]], [], [[[:]]], [["x"]], [5],
            [[["subnet": "::/129"]]], [[["subnet": .string(net + ".0/24")]], [["subnet": .string(net + ".0/25")]]],
            [[["subnet": .string(net + ".1/32")]]], [[["subnet": .string(net + ".0/24\u{0}")]]],
        ]
    }

    static func flannel(_ p: FuzzPaths) -> PluginProfile {
        let template: JSONText = [
            "cniVersion": "1.0.0", "name": "relfz-cbr0", "type": "flannel", "subnetFile": .string(p.subnetFile),
            "dataDir": .string(p.flannelDir), "ipam": ["dataDir": .string(p.ipamDir)],
            "delegate": ["hairpinMode": true, "isDefaultGateway": true],
        ]
        var bad: [([String], JSONText?)] = []
        bad += [p.missing, p.emptyDir, p.regularFile, "relative/missing.env", "", p.subnetFile + "\u{0}x"].map { (["subnetFile"], .string($0)) }
        bad += (FuzzPaths.brokenSubnetEnvs.map(\.0) + ["random-bytes"]).map { (["subnetFile"], .string(p.brokenSubnetEnv($0))) }
        // (Not "": flannel refuses it, but a plugin that did not would write `/<containerID>`.)
        bad += badDataDirs(p, p.flannelDir).map { (["dataDir"], $0) }
        bad += badDataDirs(p, p.ipamDir).map { (["ipam", "dataDir"], $0) }
        bad += badRoutes.map { (["ipam", "routes"], $0) }
        let delegates: [JSONText] = [
            ["name": "x"], ["ipam": [:]], ["type": ""], ["type": "../../bin/sh"], ["type": "relfz-no-such-plugin"],
            ["type": "portmap"], ["hairpinMode": true, "promiscMode": true], ["mtu": 50], ["mtu": 70000], ["mtu": -5],
            ["vlan": 5000], ["vlan": -1], ["ipMasqBackend": "pf"], ["dns": ["nameservers": "8.8.8.8"]], ["vlanTrunk": [["id": 0]]],
            ["bridge": "a/b"], ["bridge": "../../etc"], ["bridge": "xxxxxxxxxxxxxxxx"], ["bridge": "eth 0"], ["bridge": "a:b"],
        ]
        bad += delegates.map { (["delegate"], $0) }
        bad += badMACs.map { (["runtimeConfig"], ["mac": $0]) }
        bad += [["ips": ["300.1.1.1"]], ["ips": ["10.9.9.9"]], ["ips": "x"], ["ipRanges": "x"], ["ipRanges": [[["subnet": "bad"]]]]]
            .map { (["runtimeConfig"], $0) }
        bad += [["cni": ["ips": ["10.9.9.9"]]], ["cni": ["mac": "zz"]], ["cni": "x"]].map { (["args"], $0) }
        let keys: [([String], ValueKind)] = common + [
            (["subnetFile"], .string), (["dataDir"], .string), (["ipam"], .object), (["ipam", "dataDir"], .string),
            (["ipam", "type"], .string), (["ipam", "routes"], .array), (["delegate"], .object), (["delegate", "type"], .string),
            (["delegate", "hairpinMode"], .bool), (["delegate", "isDefaultGateway"], .bool), (["delegate", "isGateway"], .bool),
            (["delegate", "ipMasq"], .bool), (["delegate", "mtu"], .int), (["delegate", "bridge"], .string),
            (["delegate", "dns"], .object), (["runtimeConfig"], .object), (["args"], .object),
        ]
        return PluginProfile(plugin: "flannel", template: template, keys: keys, badValues: bad,
                             badArgs: ["IP=zz", "IgnoreUnknown=1;IP=10.9.9.9", "MAC=zz", "IgnoreUnknown=1;MAC=01:00:5e:00:00:01"],
                             delegates: true, usesStore: true, opensNetns: true)
    }

    static func bridge(_ p: FuzzPaths) -> PluginProfile {
        let template: JSONText = [
            "cniVersion": "1.0.0", "name": "relfz-br", "type": "bridge", "bridge": "relfzbr0", "isGateway": true, "ipMasq": true,
            "hairpinMode": true, "mtu": 1400,
            "ipam": ["type": "host-local", "dataDir": .string(p.ipamDir), "ranges": [[["subnet": "10.99.0.0/24", "gateway": "10.99.0.1"]]],
                     "routes": [["dst": "0.0.0.0/0"]]],
        ]
        var bad: [([String], JSONText?)] = []
        bad += ["a/b", "../../etc", "xxxxxxxxxxxxxxxx", "eth 0", "a:b", ".", "..", "br0\n", "éééééééé"].map { (["bridge"], .string($0)) }
        bad += [-1, 67, 65536, .raw("1e30")].map { (["mtu"], $0) }
        bad += [-1, 4095, 99999].map { (["vlan"], $0) }
        bad += [[["id": 0]], [["id": 4095]], [["minID": 5]], [["maxID": 5]], [["minID": 10, "maxID": 5]], [5], ["x"]].map { (["vlanTrunk"], $0) }
        bad += [(["promiscMode"], true), (["ipMasqBackend"], "pf"), (["ipMasqBackend"], "nft"), (["disableContainerInterface"], true)]
        bad += ["../../bin/sh", "relfz-no-such-ipam", "a/b", "host-local\u{0}"].map { (["ipam", "type"], .string($0)) }
        bad += badRanges("10.99.0").map { (["ipam", "ranges"], $0) }
        bad += badRoutes.map { (["ipam", "routes"], $0) }
        bad += badDataDirs(p, p.ipamDir).map { (["ipam", "dataDir"], $0) }
        bad += [["nameservers": "8.8.8.8"], ["nameservers": [5]], ["domain": 5], ["search": "x"]].map { (["dns"], $0) }
        bad += badMACs.map { (["runtimeConfig"], ["mac": $0]) } + badMACs.map { (["args"], ["cni": ["mac": $0]]) }
        bad += [["ips": ["300.1.1.1"]], ["ips": ["10.9.9.9"]], ["ipRanges": "x"], ["ipRanges": [[["subnet": "bad"]]]]].map { (["runtimeConfig"], $0) }
        bad += [(["args"], ["cni": "x"]), (["args"], ["cni": ["ips": ["x"]]]), (["ipam", "subnet"], "bad")]
        let bools = ["isGateway", "isDefaultGateway", "forceAddress", "ipMasq", "hairpinMode", "promiscMode", "preserveDefaultVlan",
                     "enabledad", "macspoofchk", "disableContainerInterface", "portIsolation"]
        let keys: [([String], ValueKind)] = common + bools.map { ([$0], .bool) } + [
            (["bridge"], .string), (["ipMasqBackend"], .string), (["mtu"], .int), (["vlan"], .int), (["vlanTrunk"], .array),
            (["dns"], .object), (["dns", "nameservers"], .stringArray), (["dns", "search"], .stringArray),
            (["dns", "options"], .stringArray), (["dns", "domain"], .string), (["args"], .object), (["args", "cni"], .object),
            (["args", "cni", "mac"], .string), (["runtimeConfig"], .object), (["runtimeConfig", "mac"], .string),
            (["ipam"], .object), (["ipam", "type"], .string), (["ipam", "dataDir"], .string), (["ipam", "ranges"], .array),
            (["ipam", "routes"], .array), (["ipam", "subnet"], .string), (["ipam", "resolvConf"], .string),
            (["ipam", "ranges", "0"], .array), (["ipam", "ranges", "0", "0"], .object), (["ipam", "ranges", "0", "0", "subnet"], .string),
            (["ipam", "ranges", "0", "0", "gateway"], .string), (["ipam", "routes", "0"], .object), (["ipam", "routes", "0", "dst"], .string),
        ]
        return PluginProfile(plugin: "bridge", template: template, keys: keys, badValues: bad,
                             badArgs: ["MAC=zz", "MAC=01:00:5e:00:00:01", "IgnoreUnknown=1;MAC=00:00:00:00:00:00", "IgnoreUnknown=1;IP=10.9.9.9", "IP=x"],
                             delegates: true, usesStore: true, opensNetns: true)
    }

    static func hostLocal(_ p: FuzzPaths) -> PluginProfile {
        let template: JSONText = [
            "cniVersion": "1.0.0", "name": "relfz-hl", "type": "host-local",
            "ipam": ["type": "host-local", "dataDir": .string(p.ipamDir), "routes": [["dst": "0.0.0.0/0"]],
                     "ranges": [[["subnet": "10.98.0.0/24", "rangeStart": "10.98.0.10", "rangeEnd": "10.98.0.50", "gateway": "10.98.0.1"]]]],
        ]
        var bad: [([String], JSONText?)] = []
        bad += badRanges("10.98.0").map { (["ipam", "ranges"], $0) }
        bad += badRoutes.map { (["ipam", "routes"], $0) }
        bad += badDataDirs(p, p.ipamDir).map { (["ipam", "dataDir"], $0) }
        bad += [(["ipam"], nil), (["ipam", "subnet"], "bad"), (["ipam", "subnet"], "10.98.0.0/24"), (["ipam", "ranges", "0", "0", "gateway"], "x"),
                (["ipam", "ranges", "0", "0", "rangeStart"], "10.98.0.60"), (["ipam", "ranges", "0", "0", "rangeEnd"], "10.98.1.5"),
                (["ipam", "resolvConf"], .string(p.missing)), (["ipam", "resolvConf"], .string(p.emptyDir))]
        let badIPs: [JSONText] = [["300.1.1.1"], ["10.1.1.1"], ["10.98.0.5"], "x", [5]]
        bad += badIPs.map { (["runtimeConfig", "ips"], $0) } + badIPs.map { (["args", "cni", "ips"], $0) }
        bad += [[[["subnet": "bad"]]], "x", [["x"]]].map { (["runtimeConfig", "ipRanges"], $0) }
        let keys: [([String], ValueKind)] = common + [
            (["ipam"], .object), (["ipam", "type"], .string), (["ipam", "dataDir"], .string), (["ipam", "ranges"], .array),
            (["ipam", "routes"], .array), (["ipam", "resolvConf"], .string), (["ipam", "subnet"], .string),
            (["ipam", "ranges", "0"], .array), (["ipam", "ranges", "0", "0"], .object), (["ipam", "ranges", "0", "0", "subnet"], .string),
            (["ipam", "ranges", "0", "0", "rangeStart"], .string), (["ipam", "ranges", "0", "0", "rangeEnd"], .string),
            (["ipam", "ranges", "0", "0", "gateway"], .string), (["ipam", "routes", "0"], .object), (["ipam", "routes", "0", "dst"], .string),
            (["ipam", "routes", "0", "gw"], .string), (["runtimeConfig"], .object), (["runtimeConfig", "ips"], .stringArray),
            (["runtimeConfig", "ipRanges"], .array), (["args"], .object), (["args", "cni"], .object), (["args", "cni", "ips"], .stringArray),
        ]
        return PluginProfile(plugin: "host-local", template: template, keys: keys, badValues: bad,
                             badArgs: ["IP=300.1.1.1", "IgnoreUnknown=1;IP=10.1.1.1", "IP=10.98.0.5/24/1", "MAC=0a:58:0a:f4:01:02"],
                             delegates: false, usesStore: true, opensNetns: false)
    }

    static func portmap(_ p: FuzzPaths) -> PluginProfile {
        let template: JSONText = [
            "cniVersion": "1.0.0", "name": "relfz-pm", "type": "portmap", "snat": true,
            "runtimeConfig": ["portMappings": [["hostPort": 18081, "containerPort": 80, "protocol": "tcp"]]],
            "prevResult": ["cniVersion": "1.0.0", "interfaces": [["name": "eth0", "sandbox": .string(p.pod)]],
                           "ips": [["address": "10.244.1.250/24", "gateway": "10.244.1.1", "interface": 0]]],
        ]
        let mapping = ["runtimeConfig", "portMappings", "0"]
        var bad: [([String], JSONText?)] = []
        bad += [0, -1, 65536].flatMap { [(mapping + ["hostPort"], $0), (mapping + ["containerPort"], $0)] }
        bad += ["icmp", "tcp\n"].map { (mapping + ["protocol"], .string($0)) }
        bad += ["1.2.3.999", "x", "::zz"].map { (mapping + ["hostIP"], .string($0)) }
        bad += [[5], ["x"], [[:]]].map { (["runtimeConfig", "portMappings"], $0) }
        bad += [(["markMasqBit"], 32), (["markMasqBit"], -1), (["backend"], "pf"), (["prevResult"], nil)]
        bad += ["bad chain", "-j ACCEPT", String(repeating: "X", count: 40), "A\nB"].map { (["externalSetMarkChain"], .string($0)) }
        bad += [["-m", "comment", "--comment", "x\n-A INPUT -j DROP"], ["-m", "relfz-no-such-match"], ["-s", "300.1.1.1"]]
            .map { (["conditionsV4"], $0) }
        bad += [(["prevResult", "ips"], "x"), (["prevResult", "ips", "0", "address"], "bad"), (["prevResult", "ips", "0", "address"], "10.244.1.250"),
                (["prevResult", "cniVersion"], "9.9.9"), (["prevResult", "interfaces"], 5)]
        let keys: [([String], ValueKind)] = common + [
            (["snat"], .bool), (["masqAll"], .bool), (["markMasqBit"], .int), (["externalSetMarkChain"], .string),
            (["conditionsV4"], .stringArray), (["conditionsV6"], .stringArray), (["backend"], .string), (["runtimeConfig"], .object),
            (["runtimeConfig", "portMappings"], .array), (mapping, .object), (mapping + ["hostPort"], .int),
            (mapping + ["containerPort"], .int), (mapping + ["protocol"], .string), (mapping + ["hostIP"], .string),
            (["prevResult"], .object), (["prevResult", "ips"], .array), (["prevResult", "interfaces"], .array),
            (["prevResult", "ips", "0", "address"], .string), (["prevResult", "ips", "0", "interface"], .int),
        ]
        return PluginProfile(plugin: "portmap", template: template, keys: keys, badValues: bad,
                             badArgs: ["IP=10.1.1.1", "MAC=0a:58:0a:f4:01:02"], delegates: false, usesStore: false, opensNetns: false)
    }
}
