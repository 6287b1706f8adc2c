import Foundation

/// Times several computations against each other **in rounds** — A B C, A B C, … — instead of all
/// of A, then all of B: load that comes and goes on a shared machine (another process' build, a
/// thermal or frequency change) then hits every contestant of a round alike, and the comparison
/// between them survives it. Used by `bench sweep` (the paths of one configuration) and by the
/// ``Autotuner``'s default timer (the candidates of one layer shape), so both compare paths the
/// same way.
///
/// **A sample** is one contestant's mean time per call over a batch of back-to-back calls lasting
/// at least ``Policy/minimumSampleSeconds`` (a microsecond call is repeated until the batch lasts
/// that long, at most ``Policy/maximumCallsPerSample`` calls). The first round measures one call
/// per contestant: a call at least that long is the sample; a shorter one only sizes the batches
/// (`⌈minimum / call⌉` calls) and is discarded — so a slow path is never called more often than its
/// sample count, and the budget logic of the callers holds.
///
/// **Rounds.** Contestant `i` takes part in rounds until it has `samples[i]` samples; then, while
/// some contestant has less than ``Policy/minimumTotalSeconds`` of timed calls, further rounds
/// (at most ``Policy/maximumRounds``) add samples to the contestants still short of it. Within a
/// round contestants run in the given order (callers put OpenBLAS users last); before each sample,
/// ``BLAS/waitForIdleThreads()`` waits out OpenBLAS' spinning workers if a multi-threaded GEMM
/// ended less than 0.2 s ago (they would take a core from the sample; returns at once otherwise).
///
/// **Statistic.** Each contestant's ``TimingSummary`` holds its samples (ms per call); callers use
/// the **median**. Interference on a shared machine only ever adds time, and comes in bursts that
/// hit a sample or two: the median ignores them as long as fewer than half the rounds are hit,
/// where the mean would take them in. The minimum would reward a path for one lucky, undisturbed
/// sample — its spread is larger for paths with more memory traffic or threads, which biases the
/// comparison — and a trimmed mean of 5 samples is the median anyway.
///
/// **Abandoning** (the autotuner, not the sweep): with ``Policy/abandonFactor`` set, a contestant
/// whose fastest sample is above that factor × another contestant's median (after every round)
/// takes no further part; its summary keeps the samples it has.
///
/// **Close calls** (with ``Policy/closeCallRatio`` set): when those rounds are done, the
/// *contenders* (the contestants the caller compares — not the sweep's `auto` column, which runs
/// one of them — minus those that failed or were abandoned) whose median is within the ratio of
/// the best contender's (`median ≤ ratio × best`) take further rounds, as long as there are at
/// least two of them: until they separate beyond the ratio, or each has ``Policy/closeCallRounds``
/// samples (or its `maximumSamples`; one at its cap sits out), or the close-call rounds took
/// ``Policy/closeCallSeconds``. *Why*: a sample's spread on a shared machine is σ ≈ 4–6%, and a
/// median of n samples has a standard deviation of about `1.25·σ/√n` (√(π/2)·σ/√n for normal
/// noise): 2.2–3.4% at n = 5, so the ratio of two such medians is off by about ±4% (one sd) and
/// two paths a few % apart come out in either order, whoever measures them; at n = 20, by about
/// ±2%. The rule spends rounds only where the order is in doubt. *Cost*: nothing when the best
/// contender leads by more than the ratio; otherwise up to `closeCallRounds / samples` times the
/// normal rounds' time of the close contenders only, at most ``Policy/closeCallSeconds`` (plus
/// one round). Off (nil), the measurement is the one described above.
enum InterleavedTiming {
    /// How much to measure.
    public struct Policy: Sendable, Hashable {
        /// A sample's batch of calls lasts at least this long.
        public var minimumSampleSeconds: Double
        /// At most this many calls per sample.
        public var maximumCallsPerSample: Int
        /// Rounds continue (up to ``maximumRounds``) until every contestant has this much timed.
        public var minimumTotalSeconds: Double
        /// No contestant takes part in more rounds than this (nor in more than its sample count
        /// when that is larger).
        public var maximumRounds: Int
        /// Stop adding rounds for ``minimumTotalSeconds`` once this much time was spent in them.
        public var maximumSeconds: Double
        /// Drop a contestant whose fastest sample exceeds this factor × the best median (nil: never).
        public var abandonFactor: Double?
        /// Contenders whose medians are within this ratio of the best contender's (second / first ≤
        /// ratio) take further rounds until they are not (nil: no close-call rounds).
        public var closeCallRatio: Double?
        /// A contender takes part in at most this many rounds in all through close calls.
        public var closeCallRounds: Int
        /// No further close-call round once the close-call rounds took this long in all.
        public var closeCallSeconds: Double

        public init(minimumSampleSeconds: Double, maximumCallsPerSample: Int = 100, minimumTotalSeconds: Double = 0,
                    maximumRounds: Int = 15, maximumSeconds: Double = .infinity, abandonFactor: Double? = nil,
                    closeCallRatio: Double? = nil, closeCallRounds: Int = 0, closeCallSeconds: Double = .infinity) {
            self.minimumSampleSeconds = max(0, minimumSampleSeconds)
            self.maximumCallsPerSample = max(1, maximumCallsPerSample)
            self.minimumTotalSeconds = max(0, minimumTotalSeconds)
            self.maximumRounds = max(1, maximumRounds)
            self.maximumSeconds = maximumSeconds
            self.abandonFactor = abandonFactor
            self.closeCallRatio = closeCallRatio
            self.closeCallRounds = max(0, closeCallRounds)
            self.closeCallSeconds = closeCallSeconds
        }
    }

    /// What became of one contestant.
    public enum Outcome<E: Error> {
        /// Its samples (ms per call).
        case timed(TimingSummary)
        /// A call threw; it was not called again (samples it had are dropped).
        case failed(E)

        /// The timing, if it ran.
        public var timing: TimingSummary? {
            if case .timed(let timing) = self { return timing }
            return nil
        }
    }

    /// Times `run(i)` for every contestant `i` in `samples.indices`, interleaved in rounds.
    ///
    /// - Parameters:
    ///   - samples: samples wanted per contestant (≥ 1 each; callers cut them to a time budget).
    ///   - maximumSamples: per contestant, the most samples it may have in all — further rounds for
    ///     the minimum total or a close call stop there (never below `samples`; default: only the
    ///     policy's caps). A caller's time budget.
    ///   - contenders: the contestants a close call compares (default: all).
    ///   - policy: sample length, rounds, abandoning and close calls.
    ///   - clock: seconds since an arbitrary origin (injectable for tests).
    ///   - wait: called before each sample (default: ``BLAS/waitForIdleThreads()``).
    ///   - run: one call of contestant `i`. A contestant that throws is not called again and fails.
    /// - Returns: per contestant, its samples or its error.
    public static func measure<E: Error>(
        samples: [Int], maximumSamples: [Int]? = nil, contenders: [Bool]? = nil, policy: Policy,
        clock: () -> Double = InterleavedTiming.now, wait: () -> Void = { BLAS.waitForIdleThreads() },
        run: (Int) throws(E) -> Void
    ) -> [Outcome<E>] {
        let count = samples.count
        var perCall: [[Double]] = Array(repeating: [], count: count)
        var calls = Array(repeating: 0, count: count)       // calls per sample, 0 until sized
        var total = Array(repeating: 0.0, count: count)     // seconds of timed calls
        var failure: [E?] = Array(repeating: nil, count: count)
        var active = Array(repeating: true, count: count)
        var round = 0
        var extraSeconds = 0.0
        var closeCallSeconds = 0.0
        let wanted = samples.map { max(1, $0) }
        let cap = (0..<count).map { max(wanted[$0], maximumSamples?[$0] ?? .max) }
        let isContender = contenders ?? Array(repeating: true, count: count)
        /// The next close-call round: the contenders within the ratio of the best contender's median
        /// that may take another sample — none unless at least two are that close.
        func closeCallRound() -> [Int] {
            guard let ratio = policy.closeCallRatio, closeCallSeconds < policy.closeCallSeconds else { return [] }
            let medians = (0..<count).filter { active[$0] && isContender[$0] }.map { ($0, TimingSummary(samples: perCall[$0]).median) }
            guard let best = medians.map(\.1).min() else { return [] }
            let close = medians.filter { $0.1 <= ratio * best }.map(\.0)
            guard close.count >= 2 else { return [] }
            return close.filter { perCall[$0].count < min(policy.closeCallRounds, cap[$0]) }
        }
        while true {
            let inExtraRound = (0..<count).allSatisfy { !active[$0] || perCall[$0].count >= wanted[$0] }
            var taking = (0..<count).filter { i in
                guard active[i] else { return false }
                if perCall[i].count < wanted[i] { return true }
                return total[i] < policy.minimumTotalSeconds && perCall[i].count < min(policy.maximumRounds, cap[i])
                    && extraSeconds < policy.maximumSeconds
            }
            let inCloseCall = taking.isEmpty
            if inCloseCall { taking = closeCallRound() }
            if taking.isEmpty || round >= max(policy.maximumRounds, policy.closeCallRounds, wanted.max() ?? 1) + 1 { break }
            let roundStart = clock()
            for i in taking {
                wait()
                if calls[i] == 0 {
                    // First call: the sample itself when long enough, else it sizes the batches.
                    let start = clock()
                    do throws(E) { try run(i) } catch {
                        failure[i] = error
                        active[i] = false
                        continue
                    }
                    let seconds = max(clock() - start, 0)
                    if seconds >= policy.minimumSampleSeconds || policy.maximumCallsPerSample == 1 {
                        calls[i] = 1
                        perCall[i].append(seconds * 1e3)
                        total[i] += seconds
                        continue
                    }
                    let needed = (policy.minimumSampleSeconds / max(seconds, 1e-9)).rounded(.up)
                    calls[i] = Int(min(Double(policy.maximumCallsPerSample), max(1, needed)))
                    wait()
                }
                let start = clock()
                do throws(E) {
                    for _ in 0..<calls[i] { try run(i) }
                } catch {
                    failure[i] = error
                    active[i] = false
                    continue
                }
                let seconds = max(clock() - start, 0)
                perCall[i].append(seconds * 1e3 / Double(calls[i]))
                total[i] += seconds
            }
            if inCloseCall {
                closeCallSeconds += clock() - roundStart
            } else if inExtraRound {
                extraSeconds += clock() - roundStart
            }
            round += 1
            if let factor = policy.abandonFactor {
                let medians = (0..<count).compactMap { perCall[$0].isEmpty ? nil : TimingSummary(samples: perCall[$0]).median }
                if let best = medians.min() {
                    for i in 0..<count where active[i] && !perCall[i].isEmpty && perCall[i].min()! > factor * best {
                        active[i] = false
                    }
                }
            }
        }
        // Every contestant that did not fail has a sample: it took part in the first round, and
        // only contestants with samples are abandoned.
        return (0..<count).map { i in failure[i].map { .failed($0) } ?? .timed(TimingSummary(samples: perCall[i])) }
    }

    /// Seconds of a monotonic clock.
    public static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
