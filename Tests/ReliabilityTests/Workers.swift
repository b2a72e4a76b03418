import Foundation

/// Real parallelism for process-spawning workloads: `workers` OS threads (not a dispatch pool,
/// which would run only one job per core) pull indices from a shared counter.
enum Workers {
    /// Runs `body(i)` for every i in 0..<count; results in index order. Every job runs even when
    /// one throws; the first error is rethrown at the end.
    static func run<T>(count: Int, workers: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let state = SharedState<T>(count: count)
        let group = DispatchGroup()
        for _ in 0..<max(1, workers) {
            group.enter()
            let thread = Thread {
                while let i = state.nextIndex() {
                    do {
                        state.store(i, .success(try body(i)))
                    } catch {
                        state.store(i, .failure(error))
                    }
                }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return try state.results()
    }

    private final class SharedState<T>: @unchecked Sendable {  // every field is behind `lock`
        private let lock = NSLock()
        private var next = 0
        private var slots: [Result<T, Error>?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func nextIndex() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < slots.count else { return nil }
            next += 1
            return next - 1
        }

        func store(_ i: Int, _ r: Result<T, Error>) {
            lock.lock()
            slots[i] = r
            lock.unlock()
        }

        func results() throws -> [T] {
            lock.lock()
            defer { lock.unlock() }
            return try slots.map { slot in
                guard let slot else { throw ChildProcessError("a worker job did not run") }
                return try slot.get()
            }
        }
    }
}
