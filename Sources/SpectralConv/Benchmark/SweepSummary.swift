import Foundation

/// How good a sweep's automatic choices were — the acceptance measure of issue 6: on what fraction
/// of the configurations `auto` ran within 10% of the fastest algorithm, and whether it was ever
/// slower than 1.5× the fastest.
///
/// For each configuration the **fastest** time is the smallest median among the concrete paths
/// that were measured (a path skipped for the budget was predicted to take longer than the budget,
/// so longer than a measured one). A non-concrete algorithm (`auto`, …) is judged two ways:
/// - **by choice** (the headline): the measured median of the concrete path it chose, over the
///   fastest — the quality of the decision, free of the noise of a second measurement;
/// - **by its own timing**: its own measured median over the fastest — includes dispatch and the
///   run-to-run noise between two measurements of the same path.
///
/// With `--backward` the gradient choices are judged the same way per gradient (by choice).
/// ``predictionErrors`` is the root-mean-square of `ln(predicted/measured)` per concrete path and
/// pass: how far the cost model's absolute predictions were off.
public struct SweepSummary: Codable, Sendable, Hashable {
    /// The ratio thresholds of the acceptance test (`autotune` is held to ``tightRatio``).
    public static let tightRatio = 1.05
    public static let nearRatio = 1.10
    public static let boundRatio = 1.5

    /// The quality of one algorithm's choices for one pass.
    public struct ChoiceQuality: Codable, Sendable, Hashable {
        public var algorithm: String
        /// `forward`, `backward_input` or `backward_weight`.
        public var pass: String
        /// `choice` (chosen path's measurement) or `own_timing` (the algorithm's own measurement).
        public var basis: String
        /// Configurations judged.
        public var evaluated: Int
        /// Of which the chosen path was the fastest one (by choice) or the ratio was ≤ 1 (own timing).
        public var fastest: Int
        /// Ratio to the fastest ≤ 1.05.
        public var within5Percent: Int
        /// Ratio to the fastest ≤ 1.10.
        public var within10Percent: Int
        /// Ratio to the fastest ≤ 1.5.
        public var within1_5x: Int
        /// The largest ratio and where it happened (`C=16 64x64 k=7`).
        public var worstRatio: Double
        public var worstConfiguration: String
        /// Geometric mean of the ratios.
        public var geometricMeanRatio: Double
        /// The configurations above 5% of the fastest, worst first (`C=16 64x64 k=2: 1.65x, im2col
        /// instead of direct`).
        public var misses: [String]

        public var within10PercentFraction: Double { evaluated > 0 ? Double(within10Percent) / Double(evaluated) : 0 }
        public var within1_5xFraction: Double { evaluated > 0 ? Double(within1_5x) / Double(evaluated) : 0 }
        /// Issue 6's criterion: ≥ 95% within 10% and none above 1.5×.
        public var meetsAcceptance: Bool { evaluated > 0 && within10PercentFraction >= 0.95 && within1_5x == evaluated }

        enum CodingKeys: String, CodingKey {
            case algorithm, pass, basis, evaluated, fastest
            case within5Percent = "within_5_percent", within10Percent = "within_10_percent", within1_5x = "within_1_5x"
            case worstRatio = "worst_ratio", worstConfiguration = "worst_configuration"
            case geometricMeanRatio = "geometric_mean_ratio"
            case misses
        }

        /// One judged configuration: the ratio to the fastest, where, what ran and what was fastest.
        struct Judgement {
            var ratio: Double
            var point: SweepBenchmark.Point
            var chose: String
            var fastest: String
        }

        init(algorithm: String, pass: String, basis: String, judgements: [Judgement]) {
            self.algorithm = algorithm
            self.pass = pass
            self.basis = basis
            evaluated = judgements.count
            fastest = judgements.filter { basis == "choice" ? $0.chose == $0.fastest : $0.ratio <= 1 }.count
            within5Percent = judgements.filter { $0.ratio <= SweepSummary.tightRatio }.count
            within10Percent = judgements.filter { $0.ratio <= SweepSummary.nearRatio }.count
            within1_5x = judgements.filter { $0.ratio <= SweepSummary.boundRatio }.count
            let worst = judgements.max { $0.ratio < $1.ratio }
            worstRatio = worst?.ratio ?? .nan
            worstConfiguration = worst?.point.description ?? ""
            geometricMeanRatio = judgements.isEmpty ? .nan : exp(judgements.map { log($0.ratio) }.reduce(0, +) / Double(judgements.count))
            misses = judgements.filter { $0.ratio > SweepSummary.tightRatio }.sorted { $0.ratio > $1.ratio }.map { judgement in
                let what = basis == "choice" ? "\(judgement.chose) instead of \(judgement.fastest)" : "own timing, \(judgement.fastest) fastest"
                return String(format: "%@: %.2fx, %@", judgement.point.description, judgement.ratio, what)
            }
        }
    }

    /// The sweep's own resolution: every choosing algorithm's forward median (`auto`, `autotune`)
    /// against the median of the concrete path it ran — the same computation timed twice in the
    /// same interleaved rounds. How often those differ by more than 5% or 10% (the larger median over
    /// the smaller) says which differences between paths this sweep can tell apart from noise.
    public struct Resolution: Codable, Sendable, Hashable {
        /// (choosing algorithm, configuration) pairs compared.
        public var pairs: Int
        /// Of which the two medians differ by more than 5%.
        public var over5Percent: Int
        /// Of which they differ by more than 10%.
        public var over10Percent: Int

        enum CodingKeys: String, CodingKey {
            case pairs
            case over5Percent = "over_5_percent", over10Percent = "over_10_percent"
        }

        public init(pairs: Int, over5Percent: Int, over10Percent: Int) {
            self.pairs = pairs
            self.over5Percent = over5Percent
            self.over10Percent = over10Percent
        }

        /// From the ratios `own median / chosen path's median`.
        init(ratios: [Double]) {
            let spreads = ratios.map { max($0, 1 / $0) }
            pairs = ratios.count
            over5Percent = spreads.filter { $0 > SweepSummary.tightRatio }.count
            over10Percent = spreads.filter { $0 > SweepSummary.nearRatio }.count
        }
    }

    /// Configurations in the sweep.
    public var configurations: Int
    /// Configurations with at least one concrete path measured.
    public var evaluable: Int
    public var choices: [ChoiceQuality]
    /// `"direct forward": 0.12, …`: rms of ln(predicted/measured) over the measured rows.
    public var predictionErrors: [String: Double]
    /// Same path timed twice (nil when no choosing algorithm was measured).
    public var resolution: Resolution?

    enum CodingKeys: String, CodingKey {
        case configurations, evaluable, choices
        case predictionErrors = "prediction_errors"
        case resolution
    }

    /// Summarises `rows` (a sweep's); `algorithms` are the sweep's algorithm names in order.
    public init(rows: [SweepReport.Row], algorithms: [String]) {
        var order: [SweepBenchmark.Point] = []
        var groups: [SweepBenchmark.Point: [SweepReport.Row]] = [:]
        for row in rows {
            if groups[row.point] == nil { order.append(row.point) }
            groups[row.point, default: []].append(row)
        }
        configurations = order.count
        let concrete = ConvolutionAlgorithm.concrete.map(\.rawValue)
        let judged = algorithms.filter { !concrete.contains($0) }

        var tallies: [String: [ChoiceQuality.Judgement]] = [:]
        func key(_ algorithm: String, _ pass: ConvolutionPass, _ basis: String) -> String { "\(algorithm)|\(pass.rawValue)|\(basis)" }
        var evaluable = 0
        var logErrors: [String: [Double]] = [:]
        var samePathRatios: [Double] = []

        for point in order {
            let group = groups[point]!
            let measured = group.filter { $0.isConcrete && $0.status == .measured && $0.medianMs != nil }
            for row in measured {
                if let predicted = row.predictedMs, predicted > 0, let median = row.medianMs, median > 0 {
                    logErrors["\(row.algorithm) forward", default: []].append(log(predicted / median))
                }
                if let predicted = row.predictedBackwardInputMs, predicted > 0, let median = row.backwardInputMedianMs, median > 0 {
                    logErrors["\(row.algorithm) backward_input", default: []].append(log(predicted / median))
                }
                if let predicted = row.predictedBackwardWeightMs, predicted > 0, let median = row.backwardWeightMedianMs, median > 0 {
                    logErrors["\(row.algorithm) backward_weight", default: []].append(log(predicted / median))
                }
            }
            guard let best = measured.min(by: { $0.medianMs! < $1.medianMs! }) else { continue }
            evaluable += 1
            let fastest = best.medianMs!
            for name in judged {
                guard let row = group.first(where: { $0.algorithm == name }), row.status == .measured else { continue }
                if let chose = row.chose, let chosen = measured.first(where: { $0.algorithm == chose }) {
                    tallies[key(name, .forward, "choice"), default: []].append(
                        .init(ratio: chosen.medianMs! / fastest, point: point, chose: chose, fastest: best.algorithm))
                    if let own = row.medianMs, own > 0 { samePathRatios.append(own / chosen.medianMs!) }
                }
                if let own = row.medianMs {
                    tallies[key(name, .forward, "own_timing"), default: []].append(
                        .init(ratio: own / fastest, point: point, chose: row.chose ?? name, fastest: best.algorithm))
                }
                // Gradients, by choice.
                for pass in [ConvolutionPass.backwardInput, .backwardWeight] {
                    let time: (SweepReport.Row) -> Double? = pass == .backwardInput ? { $0.backwardInputMedianMs } : { $0.backwardWeightMedianMs }
                    let timed = measured.filter { $0.backwardStatus == .measured && time($0) != nil }
                    guard let bestGradient = timed.min(by: { time($0)! < time($1)! }),
                          let chose = pass == .backwardInput ? row.choseBackwardInput : row.choseBackwardWeight,
                          let chosen = timed.first(where: { $0.algorithm == chose }) else { continue }
                    tallies[key(name, pass, "choice"), default: []].append(
                        .init(ratio: time(chosen)! / time(bestGradient)!, point: point, chose: chose, fastest: bestGradient.algorithm))
                }
            }
        }
        self.evaluable = evaluable
        var choices: [ChoiceQuality] = []
        for name in judged {
            for pass in ConvolutionPass.allCases {
                for basis in ["choice", "own_timing"] {
                    guard let judgements = tallies[key(name, pass, basis)], !judgements.isEmpty else { continue }
                    choices.append(ChoiceQuality(algorithm: name, pass: pass.rawValue, basis: basis, judgements: judgements))
                }
            }
        }
        self.choices = choices
        predictionErrors = logErrors.mapValues(CostModelFit.rootMeanSquare)
        resolution = samePathRatios.isEmpty ? nil : Resolution(ratios: samePathRatios)
    }

    /// The headline entry: `auto`'s forward choices judged by choice, if the sweep had `auto`.
    public var autoForward: ChoiceQuality? {
        choices.first { $0.algorithm == ConvolutionAlgorithm.auto.rawValue && $0.pass == "forward" && $0.basis == "choice" }
    }
}

extension SweepSummary {
    /// How `model`'s forward choices fare on measurements already taken: for each configuration of
    /// `report` with measured concrete paths, the path the model predicts fastest is judged by its
    /// measured median against the fastest (by choice, as ``SweepSummary``). The measurements need
    /// not come from this model, so a calibration can be judged on any sweep — in-sample on the
    /// sweep it was fitted to, held-out on another. Configurations whose predicted path was not
    /// measured are left out.
    public static func judge(_ model: ConvolutionCostModel, on report: SweepReport, name: String) -> ChoiceQuality? {
        var judgements: [ChoiceQuality.Judgement] = []
        for (point, rows) in report.points {
            let measured = rows.filter { $0.isConcrete && $0.status == .measured && $0.medianMs != nil }
            guard let best = measured.min(by: { $0.medianMs! < $1.medianMs! }), let row = rows.first,
                  let padding = try? Padding(parsing: row.padding),
                  let geometry = try? ConvolutionGeometry(
                      inputShape: [row.batch, point.channels, point.size, point.size],
                      weightShape: [point.channels, point.channels, point.kernel, point.kernel],
                      options: ConvolutionOptions(padding: padding)) else { continue }
            let choice = model.fastest(for: geometry, threads: report.config.threads)
            guard let chosen = measured.first(where: { $0.algorithm == choice.rawValue }) else { continue }
            judgements.append(.init(ratio: chosen.medianMs! / best.medianMs!, point: point, chose: chosen.algorithm, fastest: best.algorithm))
        }
        guard !judgements.isEmpty else { return nil }
        return ChoiceQuality(algorithm: name, pass: ConvolutionPass.forward.rawValue, basis: "choice", judgements: judgements)
    }

    /// Indented lines naming the configurations of `quality` above 5% of the fastest (at most
    /// `limit`, worst first).
    public static func missLines(_ quality: ChoiceQuality, limit: Int = 12) -> [String] {
        guard !quality.misses.isEmpty else { return [] }
        var lines = ["  above 5% of the fastest:"] + quality.misses.prefix(limit).map { "    " + $0 }
        if quality.misses.count > limit { lines.append("    … and \(quality.misses.count - limit) more") }
        return lines
    }

    /// One line about `quality`: `<label>: within 10% of the fastest on a/n (x%), within 1.5x on …`.
    public static func line(_ quality: ChoiceQuality, label: String) -> String {
        String(format: "%@: within 5%% of the fastest on %d/%d, within 10%% on %d/%d (%.1f%%), within 1.5x on %d/%d (%.1f%%); fastest on %d; worst %.2fx at %@; geometric mean %.3fx",
               label, quality.within5Percent, quality.evaluated, quality.within10Percent, quality.evaluated, 100 * quality.within10PercentFraction,
               quality.within1_5x, quality.evaluated, 100 * quality.within1_5xFraction, quality.fastest, quality.worstRatio,
               quality.worstConfiguration, quality.geometricMeanRatio)
    }
}
