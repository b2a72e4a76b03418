import CNIValues
import XCTest

@testable import CNIInspect

/// The pure installation checks: libcni's parsing rules, containerd's selection, the plugin,
/// lease and leftover findings, and the verdict.
final class InstallFinderTests: XCTestCase {
    static let flannelList = #"{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}"#
    static let lease = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"

    static func file(_ name: String, _ text: String) -> NetConfFile {
        NetConfFile(path: "/etc/cni/net.d/" + name, format: NetConfFile.format(ofFileName: name) ?? .conf, bytes: Array(text.utf8))
    }

    static func plugin(_ type: String, ours: Bool = true, build: String = "aa", versions: [String] = ["0.3.1", "1.0.0"]) -> PluginCheck {
        var p = PluginCheck(type: type, neededBy: ["cbr0"], path: "/opt/cni/bin/" + type)
        p.supportedVersions = versions
        p.exitStatus = 0
        p.about = ours ? "CNI \(type) plugin (swift-cni-plugins)" : "CNI \(type) plugin v1.5.1"
        p.buildID = build
        return p
    }

    static func healthy() -> InstallSnapshot {
        InstallSnapshot(
            selection: ConfigSelection(directory: "/etc/cni/net.d", files: [file("10-flannel.conflist", flannelList)]),
            plugins: ["flannel", "bridge", "host-local", "portmap", "loopback"].map { plugin($0) },
            inspectorBuildID: "aa",
            lease: LeaseCheck(path: "/run/flannel/subnet.env", source: "test", text: lease))
    }

    func kinds(_ i: InstallSnapshot, live: Set<String> = []) -> [String] {
        InstallFinder(install: i, liveContainerIDs: live).problems().map(\.kind.rawValue)
    }

    func testExtensionsAsLibcniConfFiles() {
        XCTAssertEqual(NetConfFile.format(ofFileName: "10-flannel.conflist"), .conflist)
        XCTAssertEqual(NetConfFile.format(ofFileName: "00-bad.conf"), .conf)
        XCTAssertEqual(NetConfFile.format(ofFileName: "x.json"), .json)
        XCTAssertEqual(NetConfFile.format(ofFileName: ".conf"), .conf)
        for name in ["10-flannel.conflist.bak", "10-flannel.conflist~", "a.CONF", "conf", "x.conf.disabled"] {
            XCTAssertNil(NetConfFile.format(ofFileName: name), name)
        }
    }

    func testParseErrorsWithLineAndColumn() throws {
        let f = Self.file("00-bad.conf", "{\n  \"type\": \"bridge\",\n}\n")
        let failure = try XCTUnwrap(f.failure)
        XCTAssertEqual(failure.line, 3)
        XCTAssertEqual(failure.column, 1)
        XCTAssertEqual(failure.hint, "trailing comma before it")
        XCTAssertTrue(failure.description.hasPrefix("line 3, column 1: invalid JSON"), failure.description)

        XCTAssertEqual(Self.file("a.conflist", #"{"cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}"#).failure?.message,
                       "error parsing configuration list: no name")
        XCTAssertEqual(Self.file("a.conflist", #"{"name":"x","cniVersion":"0.3.1"}"#).failure?.message,
                       "no plugin configs found: the list has no \"plugins\"")
        XCTAssertEqual(Self.file("a.conflist", #"{"name":"x","plugins":[]}"#).failure?.message,
                       "error parsing configuration list: no plugins in list")
        XCTAssertEqual(Self.file("a.conflist", #"{"name":"x","plugins":[{"name":"y"}]}"#).failure?.message,
                       "failed to parse plugin config 0: error parsing configuration: missing 'type'")
        let listAsConf = Self.file("a.conf", Self.flannelList).failure
        XCTAssertEqual(listAsConf?.message, "error parsing configuration: missing 'type'")
        XCTAssertEqual(listAsConf?.hint, "perhaps this is a .conflist? rename it")
        let single = try XCTUnwrap(Self.file("b.conf", #"{"name":"n","cniVersion":"1.0.0","type":"bridge","ipam":{"type":"host-local"}}"#).network)
        XCTAssertEqual(single.executables.map(\.type), ["bridge", "host-local"])
        let flannel = try XCTUnwrap(Self.file("c.conflist", Self.flannelList).network)
        XCTAssertEqual(flannel.executables.map(\.type), ["flannel", "bridge", "host-local", "portmap"])
    }

    func testHealthyNodeIsReady() {
        let problems = InstallFinder(install: Self.healthy()).problems()
        XCTAssertEqual(problems, [])
        XCTAssertEqual(Verdict(problems: problems).text, "node ready for pods")
    }

    func testNoConfigAndShadowing() {
        var i = Self.healthy()
        i.selection = ConfigSelection(directory: "/etc/cni/net.d", ignored: ["10-flannel.conflist.bak"])
        XCTAssertEqual(kinds(i), ["no-network-config"])

        i.selection = ConfigSelection(directory: "/etc/cni/net.d", files: [
            Self.file("10-flannel.conflist", Self.flannelList), Self.file("00-bad.conf", "{\"type\": \"bridge\",}"),
        ])
        XCTAssertEqual(i.selection.selected?.fileName, "00-bad.conf", "lexical order, as containerd sorts")
        let problems = InstallFinder(install: i).problems()
        XCTAssertEqual(problems.map(\.kind), [.invalidConfig])
        XCTAssertEqual(Verdict(problems: problems).text,
                       "NOT ready: 00-bad.conf shadows 10-flannel.conflist: it sorts first and does not parse (invalid JSON: "
                       + (i.selection.selected?.failure?.message.dropFirst(14) ?? "") + ")")
        XCTAssertTrue(problems[0].advice.contains("mv /etc/cni/net.d/00-bad.conf /etc/cni/net.d/00-bad.conf.disabled"), "\(problems[0].advice)")

        i.selection = ConfigSelection(directory: "/etc/cni/net.d", files: [
            Self.file("10-flannel.conflist", Self.flannelList),
            Self.file("05-other.conf", #"{"name":"other","cniVersion":"0.3.1","type":"macvlan"}"#),
        ])
        XCTAssertEqual(kinds(i), ["shadowed-config"])
        // A broken file after the loaded one is never read by containerd: not a problem.
        i.selection = ConfigSelection(directory: "/etc/cni/net.d", files: [
            Self.file("10-flannel.conflist", Self.flannelList), Self.file("99-junk.conf", "{"),
        ])
        XCTAssertEqual(kinds(i), [])
    }

    func testPluginFindings() {
        var i = Self.healthy()
        i.plugins[3] = PluginCheck(type: "portmap", neededBy: ["cbr0 plugins[1]"])
        var broken = PluginCheck(type: "host-local", neededBy: ["cbr0"], path: "/opt/cni/bin/host-local")
        broken.exitStatus = 127
        broken.stderr = "/opt/cni/bin/host-local: error while loading shared libraries: libswiftCore.so: cannot open shared object file: No such file or directory\n"
        i.plugins[2] = broken
        var notExec = PluginCheck(type: "loopback", neededBy: ["containerd"])
        notExec.notExecutable = ["/opt/cni/bin/loopback"]
        i.plugins[4] = notExec
        i.plugins[1].supportedVersions = ["1.0.0"]
        let problems = InstallFinder(install: i).problems()
        XCTAssertEqual(problems.map(\.kind), [.unsupportedVersion, .pluginCannotStart, .missingPlugin, .missingPlugin])
        XCTAssertTrue(problems[1].summary.hasSuffix("VERSION exited with status 127: /opt/cni/bin/host-local: error while loading shared libraries: libswiftCore.so: cannot open shared object file: No such file or directory"), problems[1].summary)
        XCTAssertEqual(problems[2].subject, "portmap")
        XCTAssertEqual(problems[3].advice, ["chmod 0755 /opt/cni/bin/loopback"])
        XCTAssertTrue(problems.allSatisfy { $0.kind.isBlocking && !$0.advice.isEmpty })

        var timedOut = PluginCheck(type: "bridge", neededBy: ["cbr0"], path: "/opt/cni/bin/bridge")
        timedOut.timedOut = true
        timedOut.exitStatus = 137
        XCTAssertEqual(timedOut.startFailure, "no answer to VERSION within the timeout (killed)")
        var spawn = PluginCheck(type: "bridge", neededBy: ["cbr0"], path: "/opt/cni/bin/bridge")
        spawn.spawnError = "fork/exec /opt/cni/bin/bridge: exec format error"
        XCTAssertEqual(spawn.startFailure, "fork/exec /opt/cni/bin/bridge: exec format error")
    }

    /// A plugin of another architecture: named, with the architectures, and the fix is the other build.
    func testPluginOfAnotherArchitecture() throws {
        let current = try XCTUnwrap(ELFMachine.current)
        let other: ELFMachine = current == .x86_64 ? .aarch64 : .x86_64
        var i = Self.healthy()
        var foreign = PluginCheck(type: "bridge", neededBy: ["cbr0 plugins[0]"], path: "/opt/cni/bin/bridge")
        foreign.machine = other
        foreign.spawnError = "/opt/cni/bin/bridge: Exec format error"
        i.plugins[1] = foreign
        let problems = InstallFinder(install: i).problems()
        XCTAssertEqual(problems.map(\.kind), [.pluginCannotStart])
        XCTAssertEqual(problems.first?.subject, "bridge")
        XCTAssertEqual(problems.first?.summary,
                       "/opt/cni/bin/bridge does not start on this node: built for \(other), this node runs \(current) (/opt/cni/bin/bridge: Exec format error)")
        XCTAssertEqual(problems.first?.advice, ["install the build for \(current): cni-plugins install --from <that binary> /opt/cni/bin"])
        // Same architecture: no architecture words.
        foreign.machine = current
        XCTAssertEqual(foreign.startFailure, "/opt/cni/bin/bridge: Exec format error")
        XCTAssertNil(foreign.foreignMachine)
    }

    func testReplacedAndMixedBuilds() {
        var i = Self.healthy()
        i.plugins[0] = Self.plugin("flannel", ours: false, build: "ff")
        i.plugins[3].buildID = "bb"
        let problems = InstallFinder(install: i).problems()
        XCTAssertEqual(problems.map(\.kind), [.pluginReplaced, .mixedBuilds])
        XCTAssertTrue(problems[0].summary.contains("it says \"CNI flannel plugin v1.5.1\""), problems[0].summary)
        XCTAssertEqual(problems[1].details, ["build aa: bridge, host-local, loopback (this cni-inspect)", "build bb: portmap"])
        XCTAssertEqual(Verdict(problems: problems).text, "node ready for pods", "works, but flagged")
        // A node of the reference plugins only: nothing is "replaced".
        var reference = Self.healthy()
        reference.plugins = reference.plugins.map { Self.plugin($0.type, ours: false, build: $0.type) }
        XCTAssertEqual(kinds(reference), [])
    }

    func testLease() {
        func lease(_ text: String) -> [Problem] {
            var i = Self.healthy()
            i.lease = LeaseCheck(path: "/run/flannel/subnet.env", source: "test", text: text)
            return InstallFinder(install: i).problems()
        }
        XCTAssertEqual(lease("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n").first?.details.prefix(2),
                       ["/run/flannel/subnet.env is missing FLANNEL_MTU, FLANNEL_IPMASQ", "missing keys: FLANNEL_MTU, FLANNEL_IPMASQ"])
        XCTAssertEqual(lease("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.99.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n").first?.summary,
                       "/run/flannel/subnet.env is inconsistent: FLANNEL_SUBNET=10.99.1.1/24 is not inside FLANNEL_NETWORK=10.244.0.0/16: the lease belongs to another cluster network (a stale subnet.env?)")
        XCTAssertEqual(lease(Self.lease + "FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\n").first?.kind, .leaseInvalid)
        XCTAssertEqual(lease(Self.lease + "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\n"), [])
        XCTAssertEqual(lease(Self.lease + "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:99::1/64\n").first?.kind, .leaseInvalid)
        XCTAssertEqual(lease("FLANNEL_MTU=abc\n").first?.kind, .leaseInvalid)
        var i = Self.healthy()
        i.lease = LeaseCheck(path: "/run/flannel/subnet.env", source: "test", state: .missing("open /run/flannel/subnet.env: no such file or directory"))
        XCTAssertEqual(kinds(i), ["lease-missing"])
        // A network without flannel does not need the lease.
        i.selection = ConfigSelection(directory: "/d", files: [Self.file("10-b.conf", #"{"name":"b","cniVersion":"0.3.1","type":"bridge"}"#)])
        XCTAssertEqual(kinds(i), [])
    }

    func testLeftovers() {
        var i = Self.healthy()
        i.cachedResults = [
            CachedResult(path: "/var/lib/cni/results/cbr0-live-eth0", network: "cbr0", containerID: "live", ifname: "eth0", netns: "/gone", netnsExists: false),
            CachedResult(path: "/var/lib/cni/results/cbr0-up-eth0", network: "cbr0", containerID: "up", ifname: "eth0", netns: "/run/netns/up", netnsExists: true),
            CachedResult(path: "/var/lib/cni/results/cbr0-dead-eth0", network: "cbr0", containerID: "dead", ifname: "eth0", netns: "/run/netns/x", netnsExists: false),
        ]
        i.tempFiles = [TempFile(path: "/var/lib/cni/flannel/.a.tmp-77-ab", pid: 77, writerAlive: false),
                       TempFile(path: "/var/lib/cni/flannel/.b.tmp-78-ab", pid: 78, writerAlive: true)]
        let problems = InstallFinder(install: i, liveContainerIDs: ["live"]).problems()
        XCTAssertEqual(problems.map(\.kind), [.staleResultCache, .abandonedTempFile])
        XCTAssertEqual(problems.map(\.steps), [[.removeFile(path: "/var/lib/cni/results/cbr0-dead-eth0")],
                                               [.removeFile(path: "/var/lib/cni/flannel/.a.tmp-77-ab")]])
        XCTAssertEqual(Verdict(problems: problems).ready, true)
        XCTAssertEqual(TempFile.writerPID(ofFileName: ".10.244.1.7.tmp-4194301-5eed"), 4194301)
        XCTAssertNil(TempFile.writerPID(ofFileName: "10.244.1.7"))
        XCTAssertNil(TempFile.writerPID(ofFileName: ".x.tmp-12-"))
        let entry = CachedResult(path: "p", bytes: Array(#"{"kind":"cniCacheV1","containerId":"c","ifName":"eth0","networkName":"cbr0","netns":"/run/netns/p"}"#.utf8))
        XCTAssertEqual(entry, CachedResult(path: "p", network: "cbr0", containerID: "c", ifname: "eth0", netns: "/run/netns/p"))
    }

    func testOptionsAndFollowingTheConflist() throws {
        let o = try InspectOptions(arguments: ["--netconf-dir", "/n", "--cache-dir=/c", "--plugin-timeout", "0.5", "--ipam-dir", "/i"])
        XCTAssertEqual([o.netconfDirectory, o.cacheDirectory], ["/n", "/c"])
        XCTAssertEqual(o.pluginTimeout, 0.5)
        let d = InspectOptions()
        XCTAssertEqual([d.netconfDirectory, d.cacheDirectory], ["/etc/cni/net.d", "/var/lib/cni"])
        for bad in [["--plugin-timeout", "0"], ["--plugin-timeout", "x"], ["--netconf-dir="], ["--cache-dir", ""]] {
            XCTAssertThrowsError(try InspectOptions(arguments: bad), "\(bad)")
        }
        let network = NetConfList(name: "cbr0", cniVersion: "0.3.1", plugins: [
            NetConfPlugin(type: "flannel", subnetFile: "/s.env", dataDir: "/f", ipamDataDir: "/ipam"),
        ])
        let followed = o.following(network)
        XCTAssertEqual([followed.subnetFile, followed.flannelDirectory, followed.ipamDirectory], ["/s.env", "/f", "/i"],
                       "the command line wins over the conflist")
        XCTAssertEqual(d.following(nil), d)
    }
}
