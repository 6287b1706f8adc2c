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
}

/// The default timer: wall-clock time (`ContinuousClock`) of real runs.
///
/// Per candidate: wait until OpenBLAS' worker threads have stopped spinning after a recent
/// multi-threaded call (they would steal a core from the candidate — up to 0.2 s, only when a
/// threaded BLAS call just ended), one untimed warm-up call (FFTW plans, workspaces, page faults),
/// then timed calls until there are ``minimumRuns`` and ``minimumSeconds`` of them, or
/// ``maximumRuns``, or ``maximumSeconds`` of timed work; the result is their median. A candidate
/// whose fastest call is already above ``abandonFactor`` × the best time so far stops after that call.
///
/// Cost of tuning one shape: about `(1 + runs)` calls of each candidate that is timed — at least
/// ``minimumSeconds`` per candidate for fast layers, two or three calls for slow ones.
public struct WallClockAutotuneTimer: AutotuneTimer {
    public var minimumRuns: Int
    public var maximumRuns: Int
    public var minimumSeconds: Double
    public var maximumSeconds: Double
    public var abandonFactor: Double

    public init(minimumRuns: Int = 3, maximumRuns: Int = 15, minimumSeconds: Double = 0.03, maximumSeconds: Double = 0.5, abandonFactor: Double = 1.5) {
        self.minimumRuns = max(1, minimumRuns)
        self.maximumRuns = max(self.minimumRuns, maximumRuns)
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds
        self.abandonFactor = abandonFactor
    }

    public func measure(
        _ candidate: ConvolutionAlgorithm, key: AutotuneKey, bestSoFar: Double?,
        run: () throws(SpectralConvError) -> Void
    ) throws(SpectralConvError) -> Double {
        BLAS.waitForIdleThreads()
        try run()
        let clock = ContinuousClock()
        var samples: [Double] = []
        var total = 0.0
        while true {
            let start = clock.now
            try run()
            let seconds = TimingSummary.milliseconds(clock.now - start) / 1e3
            samples.append(seconds)
            total += seconds
            if let bestSoFar, samples.min()! > abandonFactor * bestSoFar { break }
            if samples.count >= maximumRuns || total >= maximumSeconds { break }
            if samples.count >= minimumRuns && total >= minimumSeconds { break }
        }
        return TimingSummary(samples: samples).median
    }
}
