import CNISystem
import CNIValues

/// `cni-inspect`: first the verdict (`node ready for pods` / `NOT ready: <first blocking
/// problem>`) and the node's CNI installation (config selection, plugins, flannel's lease,
/// libcni's leftovers: see `InstallFinder`), then its pod network (subnet.env, the bridge, its
/// pods, the host-local store, flannel's saved configs, hostPort and masquerade rules) and what
/// gone containers left behind. `--fix` cleans up what is safe to remove (after asking, unless
/// `--yes`) and inspects again.
///
/// Exit status: 0 no problems, 3 problems found (or left after `--fix`), 1 inspection failed or
/// fix declined, 2 usage error.
public enum InspectCommand {
    public static func main(_ args: [String], environment: [String: String]) -> Int32 {
        let options: InspectOptions
        do {
            options = try InspectOptions(arguments: args, environment: environment)
        } catch {
            StandardIO.write("cni-inspect: \(error)\n" + InspectOptions.usage, fd: 2)
            return 2
        }
        if options.help {
            StandardIO.write(InspectOptions.usage, fd: 1)
            return 0
        }
        do {
            return try run(options)
        } catch {
            StandardIO.write("cni-inspect: \(error)\n", fd: 2)
            return 1
        }
    }

    static func run(_ options: InspectOptions) throws -> Int32 {
        let node: NetworkNamespace?
        if let path = options.netns {
            do {
                node = try NetworkNamespace(path: path)
            } catch {
                throw InspectError("cannot open node netns: \(error)")
            }
        } else {
            node = nil
        }
        let install = InstallCollector(options: options).collect()
        let collector = SnapshotCollector(options: options.following(install.checkedNetwork), node: node)
        let snapshot = try collector.collect()
        let context = cleanupContext(options, snapshot)
        let problems = findProblems(snapshot, install, context)
        guard options.fix else {
            emit(snapshot, install, problems, context, options, fixLog: nil)
            return problems.isEmpty ? 0 : 3
        }
        let fixable = problems.filter(\.isFixable)
        if !options.json { emit(snapshot, install, problems, context, options, fixLog: nil) }
        guard !fixable.isEmpty else {
            if options.json { emit(snapshot, install, problems, context, options, fixLog: []) }
            else { StandardIO.write("nothing to fix\n", fd: 1) }
            return problems.isEmpty ? 0 : 3
        }
        if !options.assumeYes {
            guard confirm(fixable) else {
                StandardIO.write("cni-inspect: not fixing\n", fd: 2)
                return 1
            }
        }
        let executor = CleanupExecutor(node: node, context: context)
        var log: [FixAction] = []
        for problem in fixable {
            for step in problem.steps {
                let command = step.command(in: context)
                do {
                    try executor.run(step)
                    log.append(FixAction(problem: problem, command: command, error: nil))
                } catch {
                    log.append(FixAction(problem: problem, command: command, error: "\(error)"))
                    break
                }
            }
        }
        let after = try collector.collect()
        let afterInstall = InstallCollector(options: options).collect()
        let afterContext = cleanupContext(options, after)
        let remaining = findProblems(after, afterInstall, afterContext)
        if options.json {
            emit(after, afterInstall, remaining, afterContext, options, fixLog: log)
        } else {
            var lines = ["", "fix:"]
            for a in log {
                lines.append("  \(a.error == nil ? "ok    " : "FAILED") [\(a.problem.kind.rawValue)] \(a.problem.subject): "
                    + (a.command.split(separator: "\n").first.map(String.init) ?? ""))
                if let e = a.error { lines.append("         \(e)") }
            }
            lines.append("")
            lines.append("after fix:")
            lines.append(Verdict(problems: remaining).text)
            lines.append(HumanReport(snapshot: after, problems: remaining, context: afterContext).problemSection())
            StandardIO.write(lines.joined(separator: "\n") + "\n", fd: 1)
        }
        return remaining.isEmpty ? 0 : 3
    }

    struct FixAction {
        let problem: Problem
        let command: String
        let error: String?
    }

    /// CNI_PATH from the options, with every delegate type the saved configs name looked up.
    static func cleanupContext(_ options: InspectOptions, _ snapshot: NodeSnapshot) -> CleanupStep.Context {
        var plugins: [String: String] = [:]
        for type in snapshot.savedConfigs.compactMap(\.type) where !type.contains("/") && !type.isEmpty {
            if let path = Program.findExecutable(type, searchPath: options.cniPath) { plugins[type] = path }
        }
        return CleanupStep.Context(nodeNetns: options.netns, cniPath: options.cniPath, plugins: plugins)
    }

    /// The installation's problems (config, plugins, lease, libcni leftovers) first, then the node's.
    static func findProblems(_ snapshot: NodeSnapshot, _ install: InstallSnapshot, _ context: CleanupStep.Context) -> [Problem] {
        let live = Set(snapshot.pods.compactMap { snapshot.containerID(of: $0.pod) })
        return InstallFinder.grouping(InstallFinder(install: install, liveContainerIDs: live).problems(),
                                      into: ProblemFinder(snapshot: snapshot, context: context).problems())
    }

    /// Writes the report (human or JSON, with the fix log when there was a fix) to stdout: the
    /// verdict first, then the installation, then the node.
    static func emit(_ snapshot: NodeSnapshot, _ install: InstallSnapshot, _ problems: [Problem], _ context: CleanupStep.Context,
                      _ options: InspectOptions, fixLog: [FixAction]?) {
        let verdict = Verdict(problems: problems)
        guard options.json else {
            let text = InstallReport.render(install, verdict: verdict)
                + HumanReport(snapshot: snapshot, problems: problems, context: context).render()
            StandardIO.write(text, fd: 1)
            return
        }
        var value = InstallReport.addJSON(to: ReportJSON.value(snapshot, problems: problems, context: context), install, verdict: verdict)
        if let fixLog, case .object(var top) = value {
            top["fix"] = .array(fixLog.map { a in
                .object(JSONObject([
                    ("command", .string(a.command)), ("error", a.error.map(JSONValue.string) ?? .null),
                    ("kind", .string(a.problem.kind.rawValue)), ("ok", .bool(a.error == nil)), ("subject", .string(a.problem.subject)),
                ]))
            })
            value = .object(top)
        }
        StandardIO.write(ReportJSON.text(value), fd: 1)
    }

    /// Asks on the terminal (prompt on stderr, answer on stdin).
    static func confirm(_ fixable: [Problem]) -> Bool {
        var text = "\ncni-inspect will fix \(fixable.count) problem\(fixable.count == 1 ? "" : "s"):\n"
        for p in fixable { text += "  [\(p.kind.rawValue)] \(p.subject)\n" }
        StandardIO.write(text + "proceed? [y/N] ", fd: 2)
        guard let answer = readLine(strippingNewline: true)?.trimmingBlanks().lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }
}
