import Foundation

/// How the ``Autotuner`` measures one candidate path on one layer shape. Injectable, so tests can
/// stub the timings and count the measurements.
public protocol AutotuneTimer: Sendable {
    /// Seconds one call of `candidate` takes on `key`'s shape. `run` computes the operation once
    /// through `candidate` (its result is discarded); `bestSoFar` is the smallest time among the
    /// candidates already measured for this key (nil for the first), so a candidate that clearly
    /// cannot win may be abandoned early.
    func measure(
        _ candidate: ConvolutionAlgorithm, key: AutotuneKey, bestSoFar: Double?,
        run: () throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> Double

    /// Seconds one call of each of `candidates` takes on `key`'s shape (in the order given: likely
    /// winners first), or the error a candidate threw. `run(c)` computes the operation once through
    /// `c`. Every candidate has an entry (an abandoned one: the median of the samples it has). The default measures the candidates one after another with
    /// ``measure(_:key:bestSoFar:run:)``; ``WallClockAutotuneTimer`` interleaves them in rounds.
    func measure(
        _ candidates: [ConvolutionAlgorithm], key: AutotuneKey,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) -> [ConvolutionAlgorithm: Result<Double, SpectralConvError>]
}

extension AutotuneTimer {
    /// One candidate after another, each told the best time so far.
    public func measure(
        _ candidates: [ConvolutionAlgorithm], key: AutotuneKey,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) -> [ConvolutionAlgorithm: Result<Double, SpectralConvError>] {
        var results: [ConvolutionAlgorithm: Result<Double, SpectralConvError>] = [:]
        for candidate in candidates {
            let best = results.values.compactMap { try? $0.get() }.min()
            do throws(SpectralConvError) {
                results[candidate] = .success(try measure(candidate, key: key, bestSoFar: best) { () throws(SpectralConvError) in try run(candidate) })
            } catch {
                results[candidate] = .failure(error)
            }
        }
        return results
    }
}

/// The default timer: wall-clock time of real runs, the candidates **interleaved in rounds** as
/// `bench sweep` times paths (``InterleavedTiming``), so load that comes and goes hits every
/// candidate alike and the tuner picks what the sweep would measure as fastest.
///
/// All candidates at once (``measure(_:key:run:)``, what ``Autotuner`` calls): one untimed warm-up
/// call each (FFTW plans, workspaces, page faults; OpenBLAS' spinning workers waited out first), then
/// rounds — candidates in the given order, the OpenBLAS path (im2col) last — of one sample each: a
/// batch of back-to-back calls lasting at least `minimumSeconds / minimumRuns` (at most 100 calls).
/// Rounds go on until every candidate has ``minimumRuns`` samples and ``minimumSeconds`` of timed
/// calls, at most ``maximumRuns`` samples or ``maximumSeconds`` of further rounds; the result is each
/// candidate's median sample. A candidate whose fastest sample is above ``abandonFactor`` × the
/// best median drops out after that round (its median so far is reported). **Close calls**: then,
/// while two or more candidates' medians are within ``closeCallRatio`` (25%) of the best's, those
/// take further rounds, up to ``closeCallRuns`` (20) samples each or ``closeCallSeconds`` (1 s) of
/// such rounds (``InterleavedTiming``): with a per-sample spread of σ ≈ 5%, a median of 5 samples is
/// off by ±2.8% (`1.25·σ/√n`, one sd), of 20 by ±1.4%, so near-tied paths come out in the order
/// `bench sweep` measures them far more often (25%, as the sweep: two-thread millisecond calls can
/// spread far more than 5% on a shared machine; see ``SweepBenchmark/closeCallRatio``).
///
/// Cost of tuning one shape: about `(1 + runs)` calls of each candidate for slow layers, about
/// ``minimumSeconds`` per candidate for fast ones, plus up to 0.2 s per round when a multi-threaded
/// GEMM (im2col) ran in it and OpenBLAS' workers have to stop spinning before the next round; a
/// close call adds up to 15 rounds of the near-tied candidates, at most about ``closeCallSeconds``:
/// 15 × 2 × ≥ 6 ms ≈ 0.2 s for layers of a few ms and less, the full 1 s for slower ones or when
/// im2col's OpenBLAS workers are waited out each round (the close call then ends before 20
/// samples). Only near-tied shapes pay it, once: the choice is cached.
///
/// One candidate on its own (``measure(_:key:bestSoFar:run:)``): the same, with one contestant.
public struct WallClockAutotuneTimer: AutotuneTimer {
    public var minimumRuns: Int
    public var maximumRuns: Int
    public var minimumSeconds: Double
    public var maximumSeconds: Double
    public var abandonFactor: Double
    /// Candidates within this ratio of the best median take further rounds (nil: no close calls).
    public var closeCallRatio: Double?
    /// Samples a close call takes a candidate to, at most.
    public var closeCallRuns: Int
    /// Seconds of close-call rounds, at most.
    public var closeCallSeconds: Double

    public init(minimumRuns: Int = 5, maximumRuns: Int = 9, minimumSeconds: Double = 0.03, maximumSeconds: Double = 0.5, abandonFactor: Double = 1.5,
                closeCallRatio: Double? = SweepBenchmark.closeCallRatio, closeCallRuns: Int = 20, closeCallSeconds: Double = 1) {
        self.minimumRuns = max(1, minimumRuns)
        self.maximumRuns = max(self.minimumRuns, maximumRuns)
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds
        self.abandonFactor = abandonFactor
        self.closeCallRatio = closeCallRatio
        self.closeCallRuns = closeCallRuns
        self.closeCallSeconds = closeCallSeconds
    }

    /// One candidate: its warm-up and samples as in ``measure(_:key:run:)`` (`bestSoFar` is not
    /// needed: nothing else runs in its rounds).
    public func measure(
        _ candidate: ConvolutionAlgorithm, key: AutotuneKey, bestSoFar: Double?,
        run: () throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> Double {
        let result = measure([candidate], key: key) { (_: ConvolutionAlgorithm) throws(SpectralConvError) in try run() }
        switch result[candidate]! {
        case .success(let seconds): return seconds
        case .failure(let error): throw error
        }
    }

    /// The sampling shared by both entry points.
    var policy: InterleavedTiming.Policy {
        InterleavedTiming.Policy(minimumSampleSeconds: minimumSeconds / Double(minimumRuns), maximumCallsPerSample: 100,
                                 minimumTotalSeconds: minimumSeconds, maximumRounds: maximumRuns,
                                 maximumSeconds: maximumSeconds, abandonFactor: abandonFactor,
                                 closeCallRatio: closeCallRatio, closeCallRounds: closeCallRuns, closeCallSeconds: closeCallSeconds)
    }

    public func measure(
        _ candidates: [ConvolutionAlgorithm], key: AutotuneKey,
        run: (ConvolutionAlgorithm) throws(SpectralConvError) -> Void
    ) -> [ConvolutionAlgorithm: Result<Double, SpectralConvError>] {
        var results: [ConvolutionAlgorithm: Result<Double, SpectralConvError>] = [:]
        // Warm-up; a candidate that throws is out. OpenBLAS users go last in every round.
        var order: [ConvolutionAlgorithm] = []
        for candidate in candidates where results[candidate] == nil {
            BLAS.waitForIdleThreads()
            do throws(SpectralConvError) {
                try run(candidate)
                order.append(candidate)
            } catch {
                results[candidate] = .failure(error)
            }
        }
        order = order.filter { $0 != .im2col } + order.filter { $0 == .im2col }
        let outcomes = InterleavedTiming.measure(samples: Array(repeating: minimumRuns, count: order.count), policy: policy) {
            (index: Int) throws(SpectralConvError) in try run(order[index])
        }
        for (candidate, outcome) in zip(order, outcomes) {
            switch outcome {
            case .timed(let timing): results[candidate] = .success(timing.median / 1e3)
            case .failed(let error): results[candidate] = .failure(error)
            }
        }
        return results
    }
}
