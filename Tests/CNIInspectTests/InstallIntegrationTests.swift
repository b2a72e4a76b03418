import CNITestSupport
import CNIValues
import Foundation
import XCTest
@testable import CNIInspect

/// `cni-inspect` (the real binary) on purpose-built broken installations: config directory,
/// plugin directory, lease and state directories in a temp dir, the node in its own netns.
final class InstallIntegrationTests: XCTestCase {
    final class Install {
        let node: TestNode
        let bin: String
        var files: TemporaryDirectory { node.root }
        var netconf: String { files.file("net.d") }
        var plugins: String { files.file("bin") }
        var subnetFile: String { files.file("run/subnet.env") }
        var flannelDir: String { files.file("lib/flannel") }
        var ipamDir: String { files.file("lib/networks") }
        var cacheDir: String { files.file("lib/cache") }
        let lease = TestNode.vxlanSubnetEnv

        /// A healthy node: the flannel conflist, every plugin linked to the suite binary, a lease.
        init() throws {
            bin = try XCTUnwrap(PluginBinaries.executable, "cni-plugins not built (set CNI_PLUGINS_BIN)")
            node = try TestNode(prefix: "insinst")
            let fm = FileManager.default
            for dir in [netconf, plugins, files.file("run"), flannelDir, ipamDir + "/cbr0", cacheDir + "/results"] {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            try InstallFixture.conflist(subnetFile: subnetFile, dataDir: flannelDir, ipamDir: ipamDir)
                .write(toFile: netconf + "/10-flannel.conflist", atomically: true, encoding: .utf8)
            for name in PluginCheck.suiteNames { try link(name) }
            try lease.write(toFile: subnetFile, atomically: true, encoding: .utf8)
        }

        func link(_ name: String) throws {
            try? FileManager.default.removeItem(atPath: plugins + "/" + name)
            try FileManager.default.linkItem(atPath: bin, toPath: plugins + "/" + name)
        }

        func write(_ text: String, to path: String, mode: Int = 0o644) throws {
            try? FileManager.default.removeItem(atPath: path)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }

        func inspect(_ extra: [String] = []) -> (status: Int32, stdout: String, stderr: String) {
            Command.run([bin, "inspect", "--netns", node.path, "--netconf-dir", netconf, "--cni-path", plugins,
                         "--subnet-file", files.file("run/unused.env"), "--ipam-dir", ipamDir, "--flannel-dir", flannelDir,
                         "--cache-dir", cacheDir] + extra)
        }

        func report(_ extra: [String] = []) throws -> (status: Int32, json: InspectReport, problems: [InspectReport.Problem]) {
            let r = inspect(["--json"] + extra)
            let json = try InspectReport(json: r.stdout, stderr: r.stderr)
            return (r.status, json, json.problems)
        }

    }

    /// A copy of /bin/true whose DT_NEEDED libc is renamed: the dynamic loader refuses to start it.
    static func unloadable(at path: String) throws {
        let candidates = ["/usr/bin/true", "/bin/true"]
        let src = try XCTUnwrap(candidates.first { FileManager.default.isExecutableFile(atPath: $0) })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: src)))
        let needle = Array("libc.so.6\0".utf8), patched = Array("libX.so.6\0".utf8)
        var found = false
        var i = 0
        while i + needle.count <= bytes.count {
            if Array(bytes[i..<i + needle.count]) == needle {
                bytes.replaceSubrange(i..<i + needle.count, with: patched)
                found = true
            }
            i += 1
        }
        try XCTSkipUnless(found, "\(src) is not dynamically linked against libc.so.6")
        try? FileManager.default.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    func kinds(_ problems: [InspectReport.Problem]) -> [String] {
        problems.map { "\($0.kind) \(URL(fileURLWithPath: $0.subject).lastPathComponent)" }
    }

    /// The acceptance case: a shadowing 00-bad.conf, no portmap, a plugin that cannot load, no
    /// subnet.env — each reported with its fix, the verdict naming the first; then repaired → ready, 0.
    func testBrokenNodeThenHealthy() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try Install()
        try n.write("{\n  \"cniVersion\": \"0.3.1\",\n  \"name\": \"old\",\n  \"type\": \"bridge\",\n}\n", to: n.netconf + "/00-bad.conf")
        try FileManager.default.removeItem(atPath: n.plugins + "/portmap")
        try Self.unloadable(at: n.plugins + "/host-local")
        try FileManager.default.removeItem(atPath: n.subnetFile)

        let human = n.inspect()
        XCTAssertEqual(human.status, 3, human.stderr)
        let first = human.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.hasPrefix("NOT ready: 00-bad.conf shadows 10-flannel.conflist: it sorts first and does not parse"), human.stdout)
        XCTAssertTrue(human.stdout.contains("line 5, column 1: invalid JSON"), human.stdout)
        XCTAssertTrue(human.stdout.contains("(and 3 more blocking problems: see problems below)"), human.stdout)

        let (status, json, problems) = try n.report()
        XCTAssertEqual(status, 3)
        XCTAssertEqual(kinds(problems), ["invalid-config 00-bad.conf", "plugin-cannot-start host-local", "missing-plugin portmap",
                                         "lease-missing subnet.env"], "\(problems)")
        for p in problems {
            XCTAssertEqual(p.blocking, true)
            XCTAssertFalse(p.advice.isEmpty, "a fix for \(p)")
        }
        XCTAssertTrue(problems[0].advice.contains("mv \(n.netconf)/00-bad.conf \(n.netconf)/00-bad.conf.disabled"))
        let loader = problems[1].summary
        XCTAssertTrue(loader.contains("error while loading shared libraries: libX.so.6: cannot open shared object file"), loader)
        let verdict = try XCTUnwrap(json.verdict)
        XCTAssertEqual(verdict.ready, false)
        XCTAssertEqual(verdict.firstBlocking?.kind, "invalid-config")
        let installation = try XCTUnwrap(json.installation)
        XCTAssertEqual(installation.selected, n.netconf + "/00-bad.conf")

        // Each fix as printed, then the node is ready.
        try FileManager.default.moveItem(atPath: n.netconf + "/00-bad.conf", toPath: n.netconf + "/00-bad.conf.disabled")
        try n.link("portmap")
        try n.link("host-local")
        try n.lease.write(toFile: n.subnetFile, atomically: true, encoding: .utf8)
        let healthy = n.inspect()
        XCTAssertEqual(healthy.status, 0, healthy.stdout)
        XCTAssertTrue(healthy.stdout.hasPrefix("node ready for pods\n"), healthy.stdout)
        let (okStatus, okJSON, okProblems) = try n.report()
        XCTAssertEqual(okStatus, 0)
        XCTAssertEqual(okProblems.count, 0)
        let plugins = try XCTUnwrap(okJSON.installation?.plugins)
        XCTAssertEqual(plugins.map(\.type), ["flannel", "bridge", "host-local", "portmap", "loopback", "bandwidth"])
        XCTAssertTrue(plugins.allSatisfy { $0.ours && $0.starts }, "\(plugins)")
        let ids = Set(plugins.compactMap(\.buildID))
        XCTAssertEqual(ids.count, 1, "one build: \(plugins)")
        XCTAssertEqual(ids.first, okJSON.installation?.inspectorBuildID)
    }

    /// An installer wrote its own flannel over ours, another plugin is a different build of ours.
    func testPluginReplacedAndMixedBuilds() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try Install()
        try n.write("""
            #!/bin/sh
            if [ "$CNI_COMMAND" = VERSION ]; then echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","1.0.0"]}'; exit 0; fi
            echo "CNI flannel plugin v1.5.1-flannel1" >&2

            """, to: n.plugins + "/flannel", mode: 0o755)
        // Same program, another build: the build-id note's bytes changed in a copy.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: n.bin)))
        guard case .id(let id) = ELFBuildID.parse(Array(bytes.prefix(1 << 20))) else { throw XCTSkip("the suite binary has no build-id note") }
        let at = try XCTUnwrap((0...(bytes.count - id.count)).first { Array(bytes[$0..<$0 + id.count]) == id })
        bytes[at] ^= 0xFF
        try FileManager.default.removeItem(atPath: n.plugins + "/portmap")
        try Data(bytes).write(to: URL(fileURLWithPath: n.plugins + "/portmap"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: n.plugins + "/portmap")

        let (status, json, problems) = try n.report()
        XCTAssertEqual(status, 3)
        XCTAssertEqual(kinds(problems), ["plugin-replaced flannel", "mixed-builds bin"], "\(problems)")
        XCTAssertEqual(json.verdict?.ready, true, "works, but flagged")
        XCTAssertTrue((problems.first?.summary ?? "").contains("it says \"CNI flannel plugin v1.5.1-flannel1\""))
    }

    /// A plugin hangs on VERSION (killed after --plugin-timeout), another is not executable.
    func testPluginHungAndNotExecutable() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try Install()
        try n.write("#!/bin/sh\nexec sleep 30\n", to: n.plugins + "/bridge", mode: 0o755)
        try n.write("not a program\n", to: n.plugins + "/loopback", mode: 0o644)
        let (_, _, problems) = try n.report(["--plugin-timeout", "0.5"])
        XCTAssertEqual(kinds(problems), ["plugin-cannot-start bridge", "missing-plugin loopback"], "\(problems)")
        XCTAssertTrue((problems.first?.summary ?? "").hasSuffix("no answer to VERSION within the timeout (killed)"))
    }

    /// The conflist asks for a CNI version none of the plugins speaks.
    func testConflistVersionNoPluginSupports() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try Install()
        try InstallFixture.conflist(subnetFile: n.subnetFile, dataDir: n.flannelDir, ipamDir: n.ipamDir, cniVersion: "9.9.9")
            .write(toFile: n.netconf + "/10-flannel.conflist", atomically: true, encoding: .utf8)
        let (_, _, problems) = try n.report()
        XCTAssertEqual(kinds(problems), ["unsupported-cni-version flannel", "unsupported-cni-version bridge",
                                         "unsupported-cni-version host-local", "unsupported-cni-version portmap"], "\(problems)")
    }

    /// Config-directory findings, lease inconsistencies, libcni's leftovers (fixed by --fix).
    func testConfigLeaseAndLeftovers() throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let n = try Install()
        try FileManager.default.moveItem(atPath: n.netconf + "/10-flannel.conflist", toPath: n.netconf + "/10-flannel.conflist.bak")
        var (status, _, problems) = try n.report()
        // Without a network to read its subnetFile from, flannel's default path counts (here --subnet-file).
        XCTAssertEqual(kinds(problems), ["no-network-config net.d", "lease-missing unused.env"], "\(problems)")

        try n.write(#"{"cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}"#, to: n.netconf + "/10-flannel.conflist")
        (status, _, problems) = try n.report()
        XCTAssertEqual(kinds(problems), ["invalid-config 10-flannel.conflist", "lease-missing unused.env"])
        XCTAssertTrue((problems.first?.summary ?? "").contains("error parsing configuration list: no name"))

        try FileManager.default.removeItem(atPath: n.netconf + "/10-flannel.conflist")
        try FileManager.default.moveItem(atPath: n.netconf + "/10-flannel.conflist.bak", toPath: n.netconf + "/10-flannel.conflist")
        try n.write("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.99.1.1/24\nFLANNEL_MTU=1450\n", to: n.subnetFile)
        (status, _, problems) = try n.report()
        XCTAssertEqual(kinds(problems), ["lease-invalid subnet.env"])
        XCTAssertTrue((problems.first?.details ?? []).contains("missing keys: FLANNEL_IPMASQ"), "\(problems)")
        try n.write(n.lease.replacingOccurrences(of: "10.244.1.1/24", with: "10.99.1.1/24"), to: n.subnetFile)
        (status, _, problems) = try n.report()
        XCTAssertTrue((problems.first?.summary ?? "").contains("FLANNEL_SUBNET=10.99.1.1/24 is not inside FLANNEL_NETWORK=10.244.0.0/16"))
        try n.write(n.lease, to: n.subnetFile)

        // A cache entry of a pod whose netns is gone, and a temp file whose writer is gone.
        let entry = n.cacheDir + "/results/cbr0-deadc0de-eth0"
        try n.write(#"{"kind":"cniCacheV1","containerId":"deadc0de","ifName":"eth0","networkName":"cbr0","netns":"/run/netns/insinst-gone","result":{}}"#, to: entry)
        let temp = n.flannelDir + "/.deadc0de.tmp-4194301-5eed"
        try n.write("{", to: temp)
        (status, _, problems) = try n.report()
        XCTAssertEqual(status, 3)
        XCTAssertEqual(kinds(problems), ["stale-result-cache deadc0de", "abandoned-temp-file .deadc0de.tmp-4194301-5eed"], "\(problems)")
        XCTAssertEqual(problems.map(\.commands), [["rm -f \(entry)"], ["rm -f \(temp)"]])
        let fixed = try n.report(["--fix", "--yes"])
        XCTAssertEqual(fixed.status, 0, "\(fixed.json.fix ?? [])")
        XCTAssertFalse(FileManager.default.fileExists(atPath: entry))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp))
    }
}
