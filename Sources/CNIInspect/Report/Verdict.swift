/// The answer to "why has this node no pod network?" in one line.
struct Verdict: Sendable, Equatable {
    var ready: Bool
    var text: String
    var firstBlocking: Problem?
    var blockingCount: Int

    init(problems: [Problem]) {
        firstBlocking = problems.first { $0.kind.isBlocking }
        blockingCount = problems.filter { $0.kind.isBlocking }.count
        ready = firstBlocking == nil
        text = firstBlocking.map { "NOT ready: \($0.summary)" } ?? "node ready for pods"
    }
}
