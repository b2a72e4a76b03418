import Foundation

/// cni-inspect's `--json` report as the tests read it: the fields they check, typed. A renamed key
/// or a changed type fails the decode with the field's path, instead of a cast that quietly
/// yields nil on both sides of an assertion.
struct InspectReport: Decodable {
    struct Pod: Decodable {
        let containerID: String?
        let netns: String
        let ifname: String
        let ips: [String]
        let mac: String?
        let mtu: Int
        let hostVeth: String
        let hairpin: Bool?
        let match: String
    }

    struct Bridge: Decodable {
        struct Port: Decodable {
            let name: String
            let match: String
            let podNetns: String?
        }

        let ports: [Port]
    }

    struct HostPort: Decodable {
        let containerID: String
        let backend: String
        let hostPort: Int
        let destination: String
    }

    struct Problem: Decodable {
        let kind: String
        let subject: String
        let summary: String
        let details: [String]
        let commands: [String]
        let advice: [String]
        let fixable: Bool
        let blocking: Bool
    }

    struct FixAction: Decodable {
        let kind: String
        let subject: String
        let ok: Bool
    }

    struct Verdict: Decodable {
        struct Blocking: Decodable {
            let kind: String
            let subject: String
        }

        let ready: Bool
        let text: String
        let firstBlocking: Blocking?
    }

    struct Installation: Decodable {
        struct Plugin: Decodable {
            let type: String
            let starts: Bool
            let ours: Bool
            let buildID: String?
            let architecture: String?
        }

        let selected: String?
        let inspectorBuildID: String?
        let plugins: [Plugin]
    }

    let notes: [String]
    let bridge: Bridge?
    let pods: [Pod]
    let hostPorts: [HostPort]
    let problems: [Problem]
    let fix: [FixAction]?
    let verdict: Verdict?
    let installation: Installation?

    /// Decodes the inspector's stdout; `stderr` goes into the error when it is not a report.
    init(json text: String, stderr: String = "") throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(text.utf8))
        } catch {
            throw NotAReport(error: "\(error)", stdout: text, stderr: stderr)
        }
    }

    struct NotAReport: Error, CustomStringConvertible {
        let error: String
        let stdout: String
        let stderr: String

        var description: String { "not a cni-inspect report (\(error)): \(stdout) \(stderr)" }
    }

    /// "kind subject" per problem, the form most assertions compare.
    var problemList: [String] { problems.map { "\($0.kind) \($0.subject)" } }
}
