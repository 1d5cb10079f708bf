import Dispatch
import Synchronization

/// Runs independent pieces of the pipeline on the machine's cores at once, for the large documents whose lint is
/// timed whole-process against other validators. Pieces are taken in the order given, each by the first free
/// core, so the longest should come first.
enum SideBySide {
    /// Both results, `first` and `second` having run side by side.
    static func run<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
        let results = Mutex<(A?, B?)>((nil, nil))
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let value = first()
                results.withLock { $0.0 = value }
            } else {
                let value = second()
                results.withLock { $0.1 = value }
            }
        }
        return results.withLock { results in
            // concurrentPerform returns only after every iteration ran, so both are set.
            guard let a = results.0, let b = results.1 else { preconditionFailure("concurrentPerform skipped an iteration") }
            return (a, b)
        }
    }

    /// Each piece's result, in the order given.
    static func run<T: Sendable>(_ pieces: [@Sendable () -> T]) -> [T] {
        let results = Mutex<[T?]>(Array(repeating: nil, count: pieces.count))
        DispatchQueue.concurrentPerform(iterations: pieces.count) { index in
            let value = pieces[index]()
            results.withLock { $0[index] = value }
        }
        let values = results.withLock { $0.compactMap { $0 } }
        precondition(values.count == pieces.count, "concurrentPerform skipped an iteration")
        return values
    }
}
