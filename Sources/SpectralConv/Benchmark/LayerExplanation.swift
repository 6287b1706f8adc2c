import Foundation

/// Why `auto` picks the path it picks on one layer (`spectralconv bench explain`): each concrete
/// path's predicted time, term by term, from the cost model in use; then, optionally, the measured
/// times of every path (timed like `bench layer`) and whether the prediction picked the fastest.
public struct LayerExplanation: Sendable {
    /// One path's prediction.
    public struct Prediction: Sendable {
        public var algorithm: ConvolutionAlgorithm
        /// Predicted seconds of one call.
        public var seconds: Double
        /// Each term of the prediction: the amount, its coefficient, and their product (s).
        public var terms: [(term: CostTerm, amount: Double, coefficient: Double, seconds: Double)]
        /// Whether the coefficients came from a calibration (else the default rates).
        public var calibrated: Bool
        /// The calibration's local correction (``CostModelCorrection``): the factor the terms' sum
        /// is multiplied by, and the weight of the measured layers behind it; nil without one.
        public var correction: (factor: Double, weight: Double)?
    }

    /// Predictions and (optional) measurements of one pass.
    public struct Pass: Sendable {
        public var pass: ConvolutionPass
        /// In the order direct, im2col, fft.
        public var predictions: [Prediction]
        /// The path `auto` runs for this pass.
        public var choice: ConvolutionAlgorithm
        /// Measured timings per path (empty when not measured).
        public var measured: [(algorithm: ConvolutionAlgorithm, timing: TimingSummary)]

        /// The measured fastest path and its median, ms.
        public var fastest: (algorithm: ConvolutionAlgorithm, ms: Double)? {
            measured.min { $0.timing.median < $1.timing.median }.map { ($0.algorithm, $0.timing.median) }
        }

        /// The chosen path's measured median over the fastest one's (1 when the prediction was right).
        public var choiceRatio: Double? {
            guard let fastest, let chosen = measured.first(where: { $0.algorithm == choice }) else { return nil }
            return chosen.timing.median / fastest.ms
        }
    }

    public var geometry: ConvolutionGeometry
    public var threads: Int
    public var model: ConvolutionCostModel
    public var passes: [Pass]

    /// Predicts (and with `measure`, times) every concrete path on `geometry`.
    /// - Parameters:
    ///   - backward: also explain the input and weight gradients.
    ///   - repeats: timed samples per path (after one warm-up call), when measuring: the forward
    ///     calls interleaved in rounds as `bench sweep` times them (``InterleavedTiming``), the
    ///     gradients path by path.
    public static func explain(
        geometry: ConvolutionGeometry, model: ConvolutionCostModel, threads: Int, backward: Bool = false,
        measure: Bool = true, repeats: Int = 10, seed: UInt64 = 42, fftRigor: FFTPlanRigor = .estimate
    ) throws(SpectralConvError) -> LayerExplanation {
        guard threads >= 1 else { throw .invalidArgument("threads must be at least 1, got \(threads)") }
        guard repeats >= 1 else { throw .invalidArgument("repeats must be at least 1, got \(repeats)") }
        let passes: [ConvolutionPass] = backward ? ConvolutionPass.allCases : [.forward]
        var explained = passes.map { pass in
            Pass(pass: pass, predictions: ConvolutionAlgorithm.concrete.map { algorithm in
                let terms = ConvolutionCostTerms.of(geometry, algorithm: algorithm, pass: pass, threads: threads, lengthCosts: model.fftLengthCosts)
                let (coefficients, calibrated) = model.coefficients(for: algorithm, pass: pass)
                let parts = CostTerm.terms(of: algorithm).map { term in
                    (term, terms[term], coefficients[term] ?? 0, terms[term] * (coefficients[term] ?? 0))
                }
                let correction = model.correction(for: algorithm, pass: pass).map { correction in
                    let estimate = correction.logCorrection(at: CostModelCorrection.Layer(geometry, threads: threads, lengthCosts: model.fftLengthCosts))
                    return (factor: exp(estimate.logFactor), weight: estimate.weight)
                }
                return Prediction(algorithm: algorithm, seconds: model.predictedSeconds(for: geometry, algorithm: algorithm, pass: pass, threads: threads),
                                  terms: parts, calibrated: calibrated, correction: correction)
            }, choice: model.fastest(for: geometry, pass: pass, threads: threads), measured: [])
        }
        if measure {
            try geometry.checkFitsInMemory(scalarSize: MemoryLayout<Float>.size)
            let engine = try ConvolutionEngine(threads: threads, fftRigor: fftRigor, costModel: model)
            let input = Tensor<Float>.uniform(shape: geometry.inputShape, seed: seed)
            let weight = Tensor<Float>.uniform(shape: geometry.weightShape, seed: seed &+ 1)
            let dy = Tensor<Float>.uniform(shape: geometry.outputShape, seed: seed &+ 2)
            // Forward: the paths interleaved in rounds, as `bench sweep` times them (im2col last in a round).
            let order: [ConvolutionAlgorithm] = [.direct, .fft, .im2col]
            for algorithm in order { _ = try LayerBenchmark.warmUp(engine: engine, geometry: geometry, algorithm: algorithm) }
            let outcomes = InterleavedTiming.measure(
                samples: Array(repeating: repeats, count: order.count), policy: SweepBenchmark.timingPolicy(repeats: repeats, budget: .infinity)
            ) { (index: Int) throws(SpectralConvError) in
                _ = try engine.forward(input: input, weight: weight, geometry: geometry, algorithm: order[index])
            }
            for algorithm in ConvolutionAlgorithm.concrete {
                switch outcomes[order.firstIndex(of: algorithm)!] {
                case .failed(let error): throw error
                case .timed(let timing): explained[0].measured.append((algorithm, timing))
                }
            }
            if backward {
                for algorithm in ConvolutionAlgorithm.concrete {
                    let gradients = try LayerBenchmark.timeBackward(
                        engine: engine, input: input, weight: weight, outputGradient: dy, geometry: geometry,
                        algorithm: algorithm, repeats: repeats)
                    explained[1].measured.append((algorithm, gradients.input))
                    explained[2].measured.append((algorithm, gradients.weight))
                }
            }
        }
        return LayerExplanation(geometry: geometry, threads: threads, model: model, passes: explained)
    }

    /// The explanation as text; `modelName` says where the model came from (`default`, `calibrated: FILE`).
    public func text(modelName: String) -> String {
        var lines: [String] = []
        lines.append("layer: \(geometry)")
        lines.append(String(format: "useful work %.4g GFLOP, float32, %d thread%@", geometry.usefulFlops / 1e9, threads, threads == 1 ? "" : "s"))
        if let calibration = model.calibration {
            lines.append("cost model: \(modelName) (fitted \(calibration.created) at \(calibration.threads) thread\(calibration.threads == 1 ? "" : "s"); \(calibration.source))")
            if calibration.threads != threads {
                lines.append("  note: calibrated at \(calibration.threads) threads, predicting for \(threads) by scaling the per-thread work terms")
            }
        } else {
            lines.append("cost model: the documented default (per-thread rates: direct \(Self.number(model.directRate)), gemm \(Self.number(model.gemmRate)), transform \(Self.number(model.transformRate)), product \(Self.number(model.productRate)) GFLOP/s, copies \(Self.number(model.copyRate)) GB/s; per call: direct \(Self.number(model.directCallSeconds * 1e6)), im2col \(Self.number(model.im2colCallSeconds * 1e6)), fft \(Self.number(model.fftCallSeconds * 1e6)) µs)")
        }
        for pass in passes {
            lines.append("")
            lines.append("\(pass.pass) — predicted per call:")
            for prediction in pass.predictions {
                let parts = prediction.terms.filter { $0.amount > 0 }.map { String(format: "%@ %@", $0.term.rawValue, Self.milliseconds($0.seconds)) }
                let source = prediction.calibrated ? "calibrated" : "default rates"
                let name = prediction.algorithm.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                let sum = parts.count > 1 ? "(" + parts.joined(separator: " + ") + ")" : parts.joined()
                let corrected = prediction.correction.map { String(format: " × %.2f local correction (weight %.2g of measured layers nearby)", $0.factor, $0.weight) }
                lines.append("  \(name) \(Self.milliseconds(prediction.seconds)) ms  = \(corrected == nil ? parts.joined(separator: " + ") : sum + corrected!)  (\(source))")
            }
            if pass.pass == .forward { lines.append("  fft layout: " + Self.fftLayoutDescription(geometry, lengthCosts: model.fftLengthCosts)) }
            let ranked = pass.predictions.sorted { $0.seconds < $1.seconds }
            if ranked.count > 1 {
                let runnerUp = ranked.first { $0.algorithm != pass.choice } ?? ranked[1]
                let chosen = pass.predictions.first { $0.algorithm == pass.choice }!
                lines.append(String(format: "  auto picks %@: predicted %.2fx faster than the runner-up, %@",
                                    pass.choice.rawValue, runnerUp.seconds / chosen.seconds, runnerUp.algorithm.rawValue))
            }
            guard !pass.measured.isEmpty else { continue }
            let measured = pass.measured.map { entry -> String in
                let predicted = pass.predictions.first { $0.algorithm == entry.algorithm }!.seconds * 1e3
                return String(format: "%@ %@ ms (min %@, predicted %+.0f%%)", entry.algorithm.rawValue, Self.milliseconds(entry.timing.median / 1e3),
                              Self.milliseconds(entry.timing.min / 1e3), 100 * (predicted / entry.timing.median - 1))
            }
            let counts = pass.measured.map(\.timing.samples.count)
            let samples = counts.min() == counts.max() ? "\(counts[0])" : "\(counts.min()!)–\(counts.max()!); near ties get more"
            lines.append("  measured (median of \(samples)): " + measured.joined(separator: ", "))
            if let fastest = pass.fastest, let ratio = pass.choiceRatio {
                if fastest.algorithm == pass.choice {
                    lines.append("  fastest measured: \(fastest.algorithm) — the prediction was right")
                } else {
                    let verdict = ratio <= SweepSummary.nearRatio ? "a near miss (within 10%)" : "wrong"
                    lines.append(String(format: "  fastest measured: %@ — the prediction was %@: auto's pick %@ runs %.2fx the fastest",
                                        fastest.algorithm.rawValue, verdict, pass.choice.rawValue, ratio))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the FFT path runs on `geometry`: `144x144 transforms (1 tile per image, 137x137 outputs
    /// each), per-map route, cost per flop x1.02 (measured estimate plans)` — the sizes behind its
    /// transform terms, and their weight from a measured table (``FFTLengthCosts``) or the fixed rule.
    static func fftLayoutDescription(_ geometry: ConvolutionGeometry, lengthCosts: FFTLengthCosts?) -> String {
        let layout = FFTConvolutionLayout(geometry: geometry, lengthCosts: lengthCosts)
        let size = layout.transformHeight == 1 ? "\(layout.transformWidth)" : "\(layout.transformHeight)x\(layout.transformWidth)"
        let tiles = layout.tilesHigh * layout.tilesWide
        let route = layout.hasOneInputMapPerOutput ? "per-map route" : "batched route"
        let phases = layout.phases > 1 ? ", \(layout.phases) stride phases" : ""
        // Measured exactly when the table covers both lengths (FFTConvolutionLayout.transformWeight).
        let rigor = lengthCosts.flatMap { costs in
            costs.weight(height: layout.transformHeight, width: layout.transformWidth, perMap: layout.hasOneInputMapPerOutput).map { _ in costs.rigor }
        }
        let weight = String(format: "%.2f", layout.transformWeight) + (rigor.map { " (measured \($0.rawValue) plans)" } ?? " (fixed rule)")
        return "\(size) transforms (\(tiles) tile\(tiles == 1 ? "" : "s") per image, \(layout.outputTileHeight)x\(layout.outputTileWidth) outputs each\(phases)), \(route), cost per flop x\(weight)"
    }

    /// Seconds as milliseconds with 3 significant digits (`0.0123`, `12.3`, `1234`).
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1e3
        return ms >= 100 ? String(format: "%.0f", ms) : String(format: "%.3g", ms)
    }

    static func number(_ value: Double) -> String { String(format: "%g", value) }
}
