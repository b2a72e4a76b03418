import CNITestSupport
import Foundation
import XCTest

/// Runs hostile cases for one plugin on a `TestNode` and judges each outcome. Case i runs
/// against pod `i % pods.count` as container `relfz-c<i>`, so cases on different pods can run
/// in parallel (one worker per pod) and every case is replayed exactly from its index.
struct FuzzHarness: @unchecked Sendable {  // immutable; the namespaces are only read
    let node: TestNode
    let pods: [TestNamespace]
    let paths: FuzzPaths
    let profile: PluginProfile

    func environment(for c: HostileCase, index: Int) -> [String: String] {
        var env = node.environment(command: c.command, containerID: "relfz-c\(index)", netns: pods[index % pods.count].path)
        for (key, value) in c.env { env[key] = value }
        return env
    }

    /// Runs case `index`: (what is wrong with the outcome, the error code). A case that succeeded
    /// is undone at once (DEL with the template) so it cannot hide or cause later findings.
    func run(_ c: HostileCase, index: Int) throws -> (problem: String?, code: Int?) {
        let outcome = try node.runPlugin(profile.plugin, env: environment(for: c, index: index), config: c.stdin)
        let verdict = Self.judge(outcome)
        if outcome.exitCode == 0 && c.command == "ADD" {
            var env = environment(for: c, index: index)
            env["CNI_COMMAND"] = "DEL"
            _ = try node.runPlugin(profile.plugin, env: env, config: profile.template.bytes)
            _ = try node.runPlugin(profile.plugin, env: environment(for: HostileCase(label: "", command: "DEL", stdin: []), index: index),
                                   config: profile.template.bytes)
        }
        return verdict
    }

    /// Runs the cases of `range`, one worker per pod; verdicts in index order.
    func runBatch(_ cases: [HostileCase], _ range: Range<Int>) throws -> [(problem: String?, code: Int?)] {
        let lanes = try Workers.run(count: pods.count, workers: pods.count) { lane in
            try range.filter { $0 % pods.count == lane }.map { ($0, try run(cases[$0], index: $0)) }
        }
        return lanes.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Non-zero exit (no signal, < 128) with `{"code": <allowed integer>, "msg": "<text>"}` on stdout.
    static func judge(_ o: ChildProcess.Outcome) -> (problem: String?, code: Int?) {
        if let signal = o.signal { return ("killed by signal \(signal): \(o.summary)", nil) }
        guard let status = o.exitCode else { return ("no exit status", nil) }
        if status == 0 { return ("succeeded (exit 0), stdout: \(Self.squeezed(o.stdoutText, 120))", nil) }
        if status >= 128 { return ("exit status \(status): \(o.summary)", nil) }
        guard let object = try? PluginRun.decode(ErrorShape.self, from: o.stdoutText) else {
            return ("stdout is not a JSON object: \(o.summary)", nil)
        }
        let literal = o.stdoutText.range(of: #""code"\s*:\s*-?[0-9]+\s*[,}\n]"#, options: .regularExpression)
        guard let code = object.code, literal != nil else {
            return ("no integer \"code\": \(o.stdoutText.prefix(300))", nil)
        }
        guard HostileInputTests.allowedCodes.contains(code) else { return ("code \(code) is not a spec code or 999: \(o.stdoutText.prefix(300))", code) }
        guard let msg = object.msg, !msg.isEmpty else { return ("no \"msg\" string: \(o.stdoutText.prefix(300))", code) }
        return (nil, code)
    }

    /// Any JSON object, with its `code` and `msg` when they have the right types (what `judge`
    /// reports on, rather than refusing the whole document).
    private struct ErrorShape: Decodable {
        let code: Int?
        let msg: String?

        private enum CodingKeys: String, CodingKey { case code, msg }

        init(from decoder: any Decoder) throws {
            let object = try decoder.container(keyedBy: CodingKeys.self)
            code = try? object.decodeIfPresent(Int.self, forKey: .code)
            msg = try? object.decodeIfPresent(String.self, forKey: .msg)
        }
    }

    /// `text` on one line, whitespace runs collapsed, at most `limit` characters.
    static func squeezed(_ text: String, _ limit: Int) -> String {
        let one = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return one.count <= limit ? one : String(one.prefix(limit)) + "…"
    }

    /// At most `limit` lines of a snapshot difference, indented.
    static func clipped(_ diff: String, _ limit: Int = 8) -> String {
        let lines = diff.split(separator: "\n")
        return (lines.prefix(limit).map { "      " + $0 } + (lines.count > limit ? ["      … \(lines.count - limit) more lines"] : []))
            .joined(separator: "\n")
    }

    /// The template's ADD and DEL both succeed, in every pod (a netns whose `lo` was never up
    /// differs from one where it was: qdisc, 127.0.0.1).
    func warmUp(_ p: PluginProfile) throws {
        for pod in pods {
            let env = { (command: String) in node.environment(command: command, containerID: "relfz-warm", netns: pod.path) }
            let add = try node.runPlugin(p.plugin, env: env("ADD"), config: p.template.bytes)
            XCTAssertEqual(add.exitCode, 0, "the \(p.plugin) template must work: \(p.template.rendered)\n\(add.summary)")
            let del = try node.runPlugin(p.plugin, env: env("DEL"), config: p.template.bytes)
            XCTAssertEqual(del.exitCode, 0, "DEL of the \(p.plugin) template: \(del.summary)")
        }
    }

    func snapshot() -> NodeSnapshot {
        NodeSnapshot.capture(node: node, pods: pods, directories: [paths.root], nsenter: node.nsenter)
    }

    /// Replays `range` one case at a time, with the pod repaired and a snapshot around each case.
    func attribute(_ cases: [HostileCase], _ range: Range<Int>) throws -> [String] {
        repairPod()
        var base = snapshot()
        var out: [String] = []
        for i in range {
            _ = try run(cases[i], index: i)
            let now = snapshot()
            guard now != base else { continue }
            out.append("  ↳ case \(i) [\(cases[i].label)] changes the host (replayed alone):\n\(Self.clipped(base.differences(to: now)))")
            repairPod()
            base = snapshot()
        }
        if out.isEmpty { out.append("  ↳ no single case of \(range) reproduces the change when replayed alone") }
        return out
    }

    /// Back to the pods' initial state: only `lo`, down.
    func repairPod() {
        for pod in pods {
            for name in TestNode.linkNames((try? pod.ip(["-o", "link", "show"])) ?? "") where name != "lo" {
                _ = try? pod.ip(["link", "del", name])
            }
            _ = try? pod.ip(["link", "set", "lo", "down"])
        }
    }
}
