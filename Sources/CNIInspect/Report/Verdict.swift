/// The answer to "why has this node no pod network?" in one line.
public struct Verdict: Sendable, Equatable {
    public var ready: Bool
    public var text: String
    public var firstBlocking: Problem?
    public var blockingCount: Int

    public init(problems: [Problem]) {
        firstBlocking = problems.first { $0.kind.isBlocking }
        blockingCount = problems.filter { $0.kind.isBlocking }.count
        ready = firstBlocking == nil
        text = firstBlocking.map { "NOT ready: \($0.summary)" } ?? "node ready for pods"
    }
}
