import CNIValues

/// The verdict line and the installation section of both reports (pure).
public enum InstallReport {
    /// Text that precedes `HumanReport`: the verdict, then config, plugins, lease, leftovers.
    public static func render(_ install: InstallSnapshot, verdict: Verdict) -> String {
        var head = verdict.text
        let more = verdict.blockingCount - 1
        if more > 0 { head += "\n  (and \(more) more blocking problem\(more == 1 ? "" : "s"): see problems below)" }
        return [head, configSection(install), pluginSection(install), leaseSection(install), leftoverSection(install)]
            .joined(separator: "\n\n") + "\n\n"
    }

    static func configSection(_ install: InstallSnapshot) -> String {
        let sel = install.selection
        var head = "network config \(sel.directory): "
        if let error = sel.listError {
            head += "cannot list (\(error))"
        } else if let selected = sel.selected {
            head += "containerd loads \(selected.fileName)"
            if let n = selected.network { head += " (network \"\(n.name)\", cniVersion \(n.cniVersion.isEmpty ? "-" : n.cniVersion))" }
            else { head += ", which does not parse" }
        } else {
            head += "no .conflist/.conf/.json file"
        }
        var lines = [head]
        if !sel.files.isEmpty {
            var table = TextTable(headers: ["FILE", "STATE"])
            for (i, f) in sel.files.enumerated() {
                var state: String
                if let n = f.network {
                    state = "network \(n.name): " + n.plugins.map(\.type).joined(separator: ", ")
                } else {
                    state = "INVALID: " + (f.failure?.description ?? "?")
                }
                state += i == 0 ? "  <- loaded" : "  (not read: only the first file is loaded)"
                table.append([f.fileName, state])
            }
            lines.append(table.render(indent: "  "))
        }
        if !sel.ignored.isEmpty { lines.append("  not read by libcni (extension or directory): " + sel.ignored.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    static func pluginSection(_ install: InstallSnapshot) -> String {
        var lines = ["plugins in \(install.cniPath)" + (install.checkedNetwork.map { " for network \"\($0.name)\"" } ?? "") + ":"]
        var table = TextTable(headers: ["TYPE", "PATH", "STARTS", "SAYS", "BUILD", "NEEDED BY"])
        for p in install.plugins {
            let starts: String
            if p.path == nil { starts = p.notExecutable.isEmpty ? "MISSING" : "NOT EXECUTABLE" }
            else { starts = p.starts ? "yes" : "NO" }
            var build = p.buildID.map { String($0.prefix(16)) } ?? (p.buildNote ?? "-")
            if let id = p.buildID, id == install.inspectorBuildID { build += " (= cni-inspect)" }
            table.append([p.type, p.path ?? p.notExecutable.first ?? "-", starts, p.about ?? "-", build,
                          p.neededBy.isEmpty ? "(installed)" : p.neededBy.joined(separator: "; ")])
        }
        lines.append(table.render(indent: "  "))
        return lines.joined(separator: "\n")
    }

    static func leaseSection(_ install: InstallSnapshot) -> String {
        let l = install.lease
        let head = "flannel lease \(l.path) (\(l.source)): "
        if !install.leaseNeeded { return head + "not used (network \"\(install.checkedNetwork?.name ?? "")\" runs no flannel)" }
        switch l.state {
        case .missing: return head + "MISSING"
        case .unreadable(let m): return head + "UNREADABLE (\(m))"
        case .refused(let m, _, _): return head + "REFUSED by flannel (\(m))"
        case .parsed(let env, let issues):
            var parts: [String] = []
            if let s = env.subnet { parts.append("\(s) in \(env.networks.map(\.description).joined(separator: ","))") }
            if let s = env.ipv6Subnet { parts.append("\(s) in \(env.ipv6Networks.map(\.description).joined(separator: ","))") }
            if let mtu = env.mtu { parts.append("mtu \(mtu)") }
            if let m = env.ipMasq { parts.append("ipMasq \(m)") }
            return head + (issues.isEmpty ? "ok, " : "INCONSISTENT, ") + parts.joined(separator: ", ")
        }
    }

    static func leftoverSection(_ install: InstallSnapshot) -> String {
        let dir = install.cacheDirectory + "/results"
        return "libcni result cache \(dir): \(install.cachedResults.count) entr\(install.cachedResults.count == 1 ? "y" : "ies")\n"
            + "temp files of interrupted writes: \(install.tempFiles.count)"
            + (install.tempFiles.isEmpty ? "" : " (\(install.tempFiles.filter { $0.writerAlive == false }.count) abandoned)")
    }

    // MARK: - JSON

    /// Adds `verdict` and `installation` to the report object.
    public static func addJSON(to report: JSONValue, _ install: InstallSnapshot, verdict: Verdict) -> JSONValue {
        guard case .object(var top) = report else { return report }
        top["verdict"] = obj([
            ("ready", .bool(verdict.ready)), ("text", .string(verdict.text)),
            ("firstBlocking", verdict.firstBlocking.map { p in
                obj([("kind", .string(p.kind.rawValue)), ("subject", .string(p.subject))])
            } ?? .null),
        ])
        top["installation"] = installation(install)
        return .object(top)
    }

    static func installation(_ i: InstallSnapshot) -> JSONValue {
        let sel = i.selection
        return obj([
            ("netconfDir", .string(sel.directory)),
            ("listError", sel.listError.map(JSONValue.string) ?? .null),
            ("selected", sel.selected.map { .string($0.path) } ?? .null),
            ("files", .array(sel.files.map { f in
                obj([
                    ("path", .string(f.path)), ("format", .string(f.format.rawValue)),
                    ("network", f.network.map { n in
                        obj([("name", .string(n.name)), ("cniVersion", .string(n.cniVersion)),
                             ("plugins", .array(n.plugins.map { .string($0.type) }))])
                    } ?? .null),
                    ("error", f.failure.map { .string($0.message) } ?? .null),
                    ("line", f.failure?.line.map(JSONValue.int) ?? .null),
                    ("column", f.failure?.column.map(JSONValue.int) ?? .null),
                ])
            })),
            ("ignored", .array(sel.ignored.map(JSONValue.string))),
            ("cniPath", .string(i.cniPath)),
            ("inspectorBuildID", i.inspectorBuildID.map(JSONValue.string) ?? .null),
            ("plugins", .array(i.plugins.map { p in
                obj([
                    ("type", .string(p.type)), ("path", p.path.map(JSONValue.string) ?? .null),
                    ("neededBy", .array(p.neededBy.map(JSONValue.string))),
                    ("starts", .bool(p.starts)), ("startFailure", p.startFailure.map(JSONValue.string) ?? .null),
                    ("supportedVersions", p.supportedVersions.map { .array($0.map(JSONValue.string)) } ?? .null),
                    ("about", p.about.map(JSONValue.string) ?? .null), ("ours", .bool(p.isOurs)),
                    ("buildID", p.buildID.map(JSONValue.string) ?? .null),
                    ("architecture", p.machine.map { JSONValue.string($0.description) } ?? .null),
                ])
            })),
            ("lease", lease(i.lease)),
            ("cacheDir", .string(i.cacheDirectory)),
            ("cachedResults", .array(i.cachedResults.map { c in
                obj([
                    ("file", .string(c.path)), ("network", c.network.map(JSONValue.string) ?? .null),
                    ("containerID", c.containerID.map(JSONValue.string) ?? .null), ("ifname", c.ifname.map(JSONValue.string) ?? .null),
                    ("netns", c.netns.map(JSONValue.string) ?? .null), ("netnsExists", c.netnsExists.map(JSONValue.bool) ?? .null),
                ])
            })),
            ("tempFiles", .array(i.tempFiles.map { t in
                obj([("file", .string(t.path)), ("pid", .int(Int(t.pid))), ("writerAlive", t.writerAlive.map(JSONValue.bool) ?? .null)])
            })),
        ])
    }

    static func lease(_ l: LeaseCheck) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("path", .string(l.path)), ("source", .string(l.source))]
        switch l.state {
        case .missing(let m): pairs += [("state", "missing"), ("error", .string(m))]
        case .unreadable(let m): pairs += [("state", "unreadable"), ("error", .string(m))]
        case .refused(let m, let line, let keys):
            pairs += [("state", "refused"), ("error", .string(m)), ("line", line.map(JSONValue.int) ?? .null),
                      ("missingKeys", .array(keys.map(JSONValue.string)))]
        case .parsed(let env, let issues):
            pairs += [("state", issues.isEmpty ? "ok" : "inconsistent"), ("subnet", env.subnet.map { .string($0.description) } ?? .null),
                      ("inconsistencies", .array(issues.map(JSONValue.string)))]
        }
        return obj(pairs)
    }

    static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }
}
