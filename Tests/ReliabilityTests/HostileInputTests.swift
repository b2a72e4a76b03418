import CNITestSupport
import Foundation
import XCTest

/// Several hundred hostile inputs per plugin (see `HostileCorpus`), each run as the real binary
/// inside a private node netns, against two pod netns (one worker each). Every case must exit
/// non-zero (never by a signal) with error JSON `{"code": <spec code or 999>, "msg": "..."}`, and
/// change nothing: node links, addresses, routes, iptables/nft, the pods' links and addresses and
/// the temp dataDirs are compared before and after every batch of cases (a changed batch is
/// replayed case by case to name the culprit). The seed is printed; RELIABILITY_SEED replays it.
final class HostileInputTests: XCTestCase {
    static let randomCasesPerPlugin = 200
    static let batch = 16
    /// Changed batches replayed case by case (the rest are only reported), to bound the time.
    static let attributedBatches = 6
    static let allowedCodes: Set<Int> = [1, 2, 3, 4, 5, 6, 7, 11, 50, 51, 999]

    func testHostileInputToFlannel() throws { try fuzz("flannel", seed: 0xF1A_0001) }
    func testHostileInputToBridge() throws { try fuzz("bridge", seed: 0xB1D_0002) }
    func testHostileInputToHostLocal() throws { try fuzz("host-local", seed: 0x40C_0003) }
    func testHostileInputToPortmap() throws { try fuzz("portmap", seed: 0x9A9_0004) }
    func testHostileInputToLoopback() throws { try fuzz("loopback", seed: 0x100_0005) }

    private func fuzz(_ plugin: String, seed defaultSeed: UInt64) throws {
        try XCTSkipUnless(TestNamespace.isRoot, "needs root: creates network namespaces")
        let seed = SeededRandom.seed(default: defaultSeed)
        let node = try TestNode.reliabilityNode(prefix: "relfz")
        defer { node.delete() }
        let pods = [try node.newPod(loopbackUp: false), try node.newPod(loopbackUp: false)]
        let paths = FuzzPaths(root: node.root.path + "/fuzz", pod: pods[0].path)
        try paths.create(validSubnetEnv: TestNode.vxlanSubnetEnv)
        let profiles = PluginProfile.all(paths)
        let profile = try XCTUnwrap(profiles[plugin])
        let harness = FuzzHarness(node: node, pods: pods, paths: paths, profile: profile)
        let guardBefore = MachineGuard.capture()

        // Warm-up: the template works (so each case breaks exactly what it says), and what a
        // successful ADD/DEL leaves for good (cni0, shared chains, store directories) exists
        // before the baseline is taken. portmap's pod address lives on flannel's cni0.
        if plugin == "portmap", let flannel = profiles["flannel"] { try harness.warmUp(flannel) }
        try harness.warmUp(profile)

        var corpus = HostileCorpus(profile: profile, paths: paths, rng: SeededRandom(seed: seed))
        let cases = corpus.cases(randomCount: Self.randomCasesPerPlugin)
        var failures: [String] = []
        var codes: [Int: Int] = [:]
        var commands: [String: Int] = [:]
        var baseline = harness.snapshot()
        var changedBatches = 0
        for start in stride(from: 0, to: cases.count, by: Self.batch) {
            let range = start..<min(start + Self.batch, cases.count)
            for (i, (problem, code)) in zip(range, try harness.runBatch(cases, range)) {
                commands[["ADD", "DEL", "CHECK"].contains(cases[i].command) ? cases[i].command : "other", default: 0] += 1
                if let code { codes[code, default: 0] += 1 }
                if let problem { failures.append("case \(i) [\(cases[i].label)]: \(problem)") }
            }
            let after = harness.snapshot()
            guard after != baseline else { continue }
            failures.append("host state changed during cases \(range):\n\(FuzzHarness.clipped(baseline.differences(to: after)))")
            changedBatches += 1
            if changedBatches <= Self.attributedBatches { failures += try harness.attribute(cases, range) } else { harness.repairPod() }
            baseline = harness.snapshot()
        }
        let guardAfter = MachineGuard.capture()
        XCTAssertEqual(guardBefore, guardAfter, "the machine's /var/lib/cni or /run/flannel changed")

        let histogram = codes.sorted { $0.key < $1.key }.map { "code \($0.key): \($0.value)" }.joined(separator: ", ")
        print("hostile input: \(plugin): \(cases.count) cases (\(commands.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), seed \(seed); \(histogram); \(failures.count) failures")
        if !failures.isEmpty {
            XCTFail("\(failures.count) problems in \(cases.count) hostile cases for \(plugin) (seed \(seed); `RELIABILITY_SEED=\(seed) swift test --filter ReliabilityTests.HostileInputTests` replays them):\n"
                    + failures.prefix(150).joined(separator: "\n") + (failures.count > 150 ? "\n… and \(failures.count - 150) more" : ""))
        }
    }
}

/// The machine's own CNI state must not gain anything of the fuzzer's (network names and container
/// IDs all contain "relfz") while hostile configs run: they only ever name temp paths, and this is
/// the safety net. (Other entries may come and go with other work on the machine.)
enum MachineGuard {
    static func capture() -> [String] {
        ["/var/lib/cni", "/run/flannel"].flatMap { dir -> [String] in
            FileManager.default.fileExists(atPath: dir) ? NodeSnapshot.files(dir).filter { $0.contains("relfz") }.map { dir + ": " + $0 } : []
        }
    }
}
