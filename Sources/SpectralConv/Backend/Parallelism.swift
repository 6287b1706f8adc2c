/// How many threads a computation may use, and the one way the toolkit fans work out over them.
///
/// Work is split into contiguous chunks (so each thread touches contiguous memory) and run on the
/// caller's thread and the ``WorkerPool``'s workers; with one thread the body runs inline on the
/// caller's thread.
/// Chunks never overlap, so results do not depend on the thread count: every output element is
/// computed by exactly one thread with the same sequence of operations. Public so that the layers
/// (SpectralNN) spread their elementwise and per-sample work the same way.
public struct Parallelism: Sendable {
    /// Threads to use, ≥ 1.
    public let threads: Int

    public init(threads: Int) {
        precondition(threads >= 1, "thread count must be at least 1")
        self.threads = threads
    }

    /// Calls `body` once per chunk of `0..<count`, at most `threads` chunks at a time; chunks are
    /// about `count / (threads · oversubscription)` long so uneven work still balances.
    public func forEachChunk(of count: Int, oversubscription: Int = 4, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        if threads == 1 || count == 1 {
            body(0..<count)
            return
        }
        let chunks = min(count, threads * oversubscription)
        // The body captures raw pointers into disjoint parts of one buffer, which is safe on
        // several threads because no two chunks touch the same output element.
        Self.fork(iterations: chunks, threads: threads) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Splits `0..<count` into `min(threads, count)` contiguous parts and calls `body(part, range)`
    /// once per part, concurrently — for work that keeps per-part scratch memory (index it by `part`).
    public func forEachPartition(of count: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = min(threads, count)
        if parts == 1 {
            body(0, 0..<count)
            return
        }
        Self.fork(iterations: parts, threads: parts) { part in
            body(part, Self.partition(count, part: part, of: parts))
        }
    }

    /// The one fork/join: `body(i)` for every `i` in `0..<iterations` on at most `threads` threads.
    static func fork(iterations: Int, threads: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(iterations: iterations, threads: threads, body)
    }

    /// Part `part` of `parts` near-equal contiguous parts of `0..<count`.
    public static func partition(_ count: Int, part: Int, of parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }

    /// Calls `body(i)` for every `i` in `0..<count`, spread over the threads.
    public func forEach(_ count: Int, _ body: (Int) -> Void) {
        forEachChunk(of: count) { range in
            for index in range { body(index) }
        }
    }
}
