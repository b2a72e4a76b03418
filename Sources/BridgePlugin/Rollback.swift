import CNISystem

/// Undo steps recorded while an ADD builds things up; run in reverse when the ADD fails, so a
/// failed ADD leaves neither a veth, nor an IP reservation, nor firewall rules behind.
final class Rollback {
    private var steps: [(what: String, undo: () throws -> Void)] = []

    func record(_ what: String, _ undo: @escaping () throws -> Void) {
        steps.append((what, undo))
    }

    /// Runs every step, newest first. Failures are logged (stderr), never thrown: the error the
    /// caller reports is the one that made the ADD fail.
    func undo() {
        for step in steps.reversed() {
            do {
                try step.undo()
            } catch {
                Log.warning(plugin: "bridge", "rollback: failed to \(step.what): \(error)")
            }
        }
        steps.removeAll()
    }

    /// Forgets the steps (the ADD succeeded).
    func commit() { steps.removeAll() }
}
