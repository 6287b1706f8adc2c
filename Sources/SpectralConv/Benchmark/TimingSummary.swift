/// Timing statistics of repeated runs of one computation, in milliseconds.
///
/// Benchmarks report the minimum (the run least disturbed by other work on the machine) and the
/// median (robust to a few slow runs); the mean is not used because one preempted run skews it.
public struct TimingSummary: Codable, Sendable, Hashable {
    /// Every run's wall time in ms, in the order they were taken.
    public let samples: [Double]

    /// - Precondition: at least one sample.
    public init(samples: [Double]) {
        precondition(!samples.isEmpty, "a timing summary needs at least one sample")
        self.samples = samples
    }

    /// The fastest run, ms.
    public var min: Double { samples.min()! }

    /// The median run, ms (the mean of the two middle runs for an even count).
    public var median: Double {
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Times `repeats` calls of `body` with a monotonic clock (`ContinuousClock`).
    /// - Precondition: `repeats ≥ 1`.
    public static func measure<E: Error>(repeats: Int, _ body: () throws(E) -> Void) throws(E) -> TimingSummary {
        precondition(repeats >= 1, "repeats must be at least 1")
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(repeats)
        for _ in 0..<repeats {
            let start = clock.now
            try body()
            samples.append(milliseconds(clock.now - start))
        }
        return TimingSummary(samples: samples)
    }

    /// Times calls of `body` until at least `repeats` calls and at least `minimumSeconds` of timed
    /// work are done, but no more than `maximumRepeats` calls: fast calls get more samples, so
    /// their median is not one scheduler hiccup away from a different value.
    /// - Precondition: `1 ≤ repeats ≤ maximumRepeats`.
    public static func measure<E: Error>(
        repeats: Int, minimumSeconds: Double, maximumRepeats: Int, _ body: () throws(E) -> Void
    ) throws(E) -> TimingSummary {
        precondition(repeats >= 1 && maximumRepeats >= repeats, "need 1 ≤ repeats ≤ maximumRepeats")
        let clock = ContinuousClock()
        var samples: [Double] = []
        var total = 0.0
        while samples.count < repeats || (total < minimumSeconds * 1e3 && samples.count < maximumRepeats) {
            let start = clock.now
            try body()
            let elapsed = milliseconds(clock.now - start)
            samples.append(elapsed)
            total += elapsed
        }
        return TimingSummary(samples: samples)
    }

    /// A `Duration` in milliseconds.
    public static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e3 + Double(attoseconds) * 1e-15
    }

    /// `flops / (ms · 1e6)`: GFLOP/s of `flops` useful operations done in `milliseconds`.
    public static func gflops(_ flops: Double, milliseconds: Double) -> Double {
        milliseconds > 0 ? flops / (milliseconds * 1e6) : 0
    }
}
