import Foundation
/// Times one convolution layer through several algorithms on the same random data and checks that
/// they agree.
///
/// For each requested algorithm: ``ConvolutionEngine/prepare(_:geometry:scalar:)`` builds its plans
/// and workspaces (untimed warm-up; for `autotune` this is where the candidates are timed, so the
/// timed calls measure the chosen path as a later call would), then ``Configuration/repeats`` calls of
/// ``ConvolutionEngine/forward(input:weight:bias:geometry:algorithm:)`` are timed with a monotonic
/// clock. Work is Float (the toolkit's working precision). Reported per algorithm: min and median
/// wall time, GFLOP/s of useful work (``ConvolutionGeometry/usefulFlops`` / median time), and the
/// largest absolute difference of its output from a baseline:
///
/// - ``Baseline/direct``: the direct path's Float output (timed if requested, else computed once);
/// - ``Baseline/reference``: ``ReferenceConvolution`` in Double (exact up to Double rounding, but
///   slow: `usefulFlops` at well under 1 GFLOP/s);
/// - ``Baseline/automatic``: direct when it is among the algorithms, otherwise the Double reference
///   for layers of at most ``referenceFlopLimit`` useful FLOPs and direct above that.
///
/// The report also carries the OpenBLAS `sgemm` speed on a 1024³ product (by default) measured in the same
/// process (``GEMMReference``; median of 5 products before and 5 after the algorithms), so that numbers
/// from different machines or loads can be compared.
///
/// ```swift
/// let report = try LayerBenchmark.run(.init(batch: 8, inChannels: 64, outChannels: 64,
///     size: SpatialPair(56), kernel: SpatialPair(3), options: .init(padding: .same),
///     algorithms: [.im2col, .fft], threads: 2, repeats: 10))
/// print(try report.jsonString())
/// ```
public enum LayerBenchmark {
    /// Where the `max_abs_diff_vs_direct` numbers are measured from.
    public enum Baseline: String, Codable, Sendable, CaseIterable {
        /// Direct if requested, else the Double reference for small layers, else direct.
        case automatic
        /// The direct path in Float.
        case direct
        /// ``ReferenceConvolution`` in Double.
        case reference
    }

    /// The largest layer (in useful FLOPs) the automatic baseline computes with the Double reference.
    public static let referenceFlopLimit: Double = 2.5e8

    /// What to measure.
    public struct Configuration: Sendable, Hashable {
        /// Batch N.
        public var batch: Int
        /// Input channels C.
        public var inChannels: Int
        /// Output channels O.
        public var outChannels: Int
        /// Input extent H×W (for 1-D only ``SpatialPair/width``, the length L, is used).
        public var size: SpatialPair
        /// Kernel extent kH×kW (for 1-D only ``SpatialPair/width``).
        public var kernel: SpatialPair
        /// Stride, padding, dilation, groups.
        public var options: ConvolutionOptions
        /// NCL input with OIL weight rather than NCHW / OIHW.
        public var oneDimensional: Bool
        /// Algorithms to time, in the order reported.
        public var algorithms: [ConvolutionAlgorithm]
        /// Threads for the engine, OpenBLAS and the sgemm reference (≥ 1).
        public var threads: Int
        /// Timed calls per algorithm (≥ 1).
        public var repeats: Int
        /// Seed of the uniform [−1, 1] input (the weight uses `seed + 1`).
        public var seed: UInt64
        /// The yardstick of the accuracy column.
        public var baseline: Baseline
        /// Extent n of the `n × n × n` sgemm reference product (1024 by default).
        public var sgemmReferenceSize: Int
        /// FFTW planning rigor of the fft path (plans are built before timing whatever it is).
        public var fftRigor: FFTPlanRigor
        /// Also time the input and weight gradients (``ConvolutionEngine/backwardInput(outputGradient:weight:geometry:algorithm:)``,
        /// ``ConvolutionEngine/backwardWeight(input:outputGradient:geometry:algorithm:)``) with a random output gradient.
        public var backward: Bool
        /// The model `auto` resolves with (this machine's calibration if there is one, by default).
        public var costModel: ConvolutionCostModel

        public init(
            batch: Int, inChannels: Int, outChannels: Int, size: SpatialPair, kernel: SpatialPair,
            options: ConvolutionOptions = .init(), oneDimensional: Bool = false,
            algorithms: [ConvolutionAlgorithm] = ConvolutionAlgorithm.allCases, threads: Int,
            repeats: Int = 10, seed: UInt64 = 42, baseline: Baseline = .automatic, sgemmReferenceSize: Int = 1024,
            fftRigor: FFTPlanRigor = .estimate, backward: Bool = false, costModel: ConvolutionCostModel = .calibratedOrDefault
        ) {
            self.batch = batch
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.size = size
            self.kernel = kernel
            self.options = options
            self.oneDimensional = oneDimensional
            self.algorithms = algorithms
            self.threads = threads
            self.repeats = repeats
            self.seed = seed
            self.baseline = baseline
            self.sgemmReferenceSize = sgemmReferenceSize
            self.fftRigor = fftRigor
            self.backward = backward
            self.costModel = costModel
        }

        /// `[N, C, H, W]` or `[N, C, L]`.
        public var inputShape: [Int] {
            oneDimensional ? [batch, inChannels, size.width] : [batch, inChannels, size.height, size.width]
        }

        /// `[O, C/G, kH, kW]` or `[O, C/G, K]` (C/G rounded down; the geometry rejects a G not dividing C).
        public var weightShape: [Int] {
            let perGroup = options.groups > 0 ? inChannels / options.groups : inChannels
            return oneDimensional ? [outChannels, perGroup, kernel.width] : [outChannels, perGroup, kernel.height, kernel.width]
        }

        /// Checks the counts and resolves the geometry.
        /// - Throws: ``SpectralConvError`` naming the first value out of range, or when the tensors
        ///   would not fit in memory (``ConvolutionGeometry/checkFitsInMemory(scalarSize:limit:)``).
        public func geometry() throws(SpectralConvError) -> ConvolutionGeometry {
            for (name, value) in [("batch", batch), ("in-channels", inChannels), ("out-channels", outChannels),
                                  ("threads", threads), ("repeats", repeats),
                                  ("sgemm reference size", sgemmReferenceSize)] {
                guard value >= 1 else { throw .invalidArgument("\(name) must be at least 1, got \(value)") }
            }
            guard size.height >= 1, size.width >= 1 else { throw .invalidArgument("size must be at least 1, got \(size)") }
            guard kernel.height >= 1, kernel.width >= 1 else { throw .invalidArgument("kernel must be at least 1, got \(kernel)") }
            guard !algorithms.isEmpty else { throw .invalidArgument("no algorithm to benchmark") }
            let geometry = try ConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options)
            try geometry.checkFitsInMemory(scalarSize: MemoryLayout<Float>.size)
            return geometry
        }
    }

    /// Waits until OpenBLAS' worker threads stop spinning. After a multi-threaded BLAS call they
    /// busy-wait (yielding) for a while before sleeping, and on a 2-core machine that takes a core
    /// from whatever is timed next — measured: the first algorithm after the sgemm reference ran
    /// up to 2.5× slower. 0.2 s covers OpenBLAS' default spin time (2^28 cycles).
    static func settleBLASThreads() {
        Thread.sleep(forTimeInterval: 0.2)
    }

    /// Runs the benchmark.
    /// - Throws: ``SpectralConvError`` for a configuration that does not describe a valid layer.
    public static func run(_ configuration: Configuration) throws(SpectralConvError) -> LayerBenchmarkReport {
        let geometry = try configuration.geometry()
        let engine = try ConvolutionEngine(threads: configuration.threads, fftRigor: configuration.fftRigor, costModel: configuration.costModel)
        let input = Tensor<Float>.uniform(shape: geometry.inputShape, seed: configuration.seed)
        let weight = Tensor<Float>.uniform(shape: geometry.weightShape, seed: configuration.seed &+ 1)

        // The sgemm reference is taken before and after the algorithms (5 products each) and
        // summarised together, so that a change of machine load during the run affects both sides.
        let sgemmBefore = try GEMMReference.measureSgemm(size: configuration.sgemmReferenceSize, threads: configuration.threads, repeats: 5)

        var outputs: [(algorithm: ConvolutionAlgorithm, output: Tensor<Float>)] = []
        var timings: [(algorithm: ConvolutionAlgorithm, chose: ConvolutionAlgorithm?, timing: TimingSummary)] = []
        for algorithm in configuration.algorithms {
            let (timing, output) = try timeForward(engine: engine, input: input, weight: weight, geometry: geometry,
                                                   algorithm: algorithm, repeats: configuration.repeats)
            outputs.append((algorithm, output))
            timings.append((algorithm, ConvolutionAlgorithm.concrete.contains(algorithm) ? nil : engine.resolve(algorithm, for: geometry), timing))
        }

        // The baseline the accuracy column is measured from.
        let baselineKind: LayerBenchmarkReport.DiffBaseline
        switch configuration.baseline {
        case .direct: baselineKind = .direct
        case .reference: baselineKind = .referenceFloat64
        case .automatic:
            baselineKind = configuration.algorithms.contains(.direct) || geometry.usefulFlops > referenceFlopLimit
                ? .direct : .referenceFloat64
        }
        let differences: [Double]
        switch baselineKind {
        case .direct:
            let direct: Tensor<Float>
            if let timed = outputs.first(where: { $0.algorithm == .direct }) {
                direct = timed.output
            } else {
                direct = try engine.forward(input: input, weight: weight, geometry: geometry, algorithm: .direct)
            }
            differences = outputs.map { Double($0.output.maxAbsoluteDifference(from: direct)) }
        case .referenceFloat64:
            let reference = try ReferenceConvolution.forward(
                input: input.converted(to: Double.self), weight: weight.converted(to: Double.self),
                options: configuration.options)
            differences = outputs.map { $0.output.converted(to: Double.self).maxAbsoluteDifference(from: reference) }
        }

        let sgemmAfter = try GEMMReference.measureSgemm(size: configuration.sgemmReferenceSize, threads: configuration.threads, repeats: 5)
        let sgemmTiming = TimingSummary(samples: sgemmBefore.timing.samples + sgemmAfter.timing.samples)
        let sgemm = GEMMReference.Measurement(size: configuration.sgemmReferenceSize, threads: configuration.threads, timing: sgemmTiming)

        var results = zip(timings, differences).map { entry, difference in
            LayerBenchmarkReport.Result(
                algorithm: entry.algorithm, chose: entry.chose, timing: entry.timing,
                gflops: TimingSummary.gflops(geometry.usefulFlops, milliseconds: entry.timing.median),
                maxAbsDiffVsDirect: difference)
        }
        if configuration.backward {
            try measureBackward(configuration, geometry: geometry, engine: engine, input: input, weight: weight,
                                baseline: baselineKind, results: &results)
        }
        return LayerBenchmarkReport(
            config: .init(configuration, geometry: geometry, baseline: baselineKind),
            results: results,
            winner: LayerBenchmarkReport.winner(of: results),
            sgemmReferenceGflops: sgemm.medianGflops,
            backwardWinner: LayerBenchmarkReport.backwardWinner(of: results))
    }

    /// Times the input and weight gradients of every algorithm (warm-up call first, then
    /// ``Configuration/repeats`` timed calls each) for a uniform random output gradient (seed + 2),
    /// and fills the backward fields of `results`. Differences are measured against the direct
    /// path's gradients or ReferenceConvolution's Double gradients, as for the forward.
    static func measureBackward(
        _ configuration: Configuration, geometry: ConvolutionGeometry, engine: ConvolutionEngine,
        input: Tensor<Float>, weight: Tensor<Float>, baseline: LayerBenchmarkReport.DiffBaseline,
        results: inout [LayerBenchmarkReport.Result]
    ) throws(SpectralConvError) {
        let dy = Tensor<Float>.uniform(shape: geometry.outputShape, seed: configuration.seed &+ 2)
        var gradients: [(dx: Tensor<Float>, dw: Tensor<Float>)] = []
        for (index, algorithm) in configuration.algorithms.enumerated() {
            let (inputTiming, weightTiming, dx, dw) = try timeBackward(
                engine: engine, input: input, weight: weight, outputGradient: dy, geometry: geometry,
                algorithm: algorithm, repeats: configuration.repeats)
            gradients.append((dx, dw))
            results[index].backwardInputMedianMs = inputTiming.median
            results[index].backwardInputMinMs = inputTiming.min
            results[index].backwardWeightMedianMs = weightTiming.median
            results[index].backwardWeightMinMs = weightTiming.min
            results[index].stepMedianMs = results[index].medianMs + inputTiming.median + weightTiming.median
            if algorithm == .auto {
                results[index].choseBackwardInput = engine.costModel.fastestBackward(for: geometry, gradient: .input, threads: engine.threads).rawValue
                results[index].choseBackwardWeight = engine.costModel.fastestBackward(for: geometry, gradient: .weight, threads: engine.threads).rawValue
            } else if algorithm == .autotune {
                // Tuned by the warm-up calls above.
                results[index].choseBackwardInput = engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry, pass: .backwardInput))?.rawValue
                results[index].choseBackwardWeight = engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry, pass: .backwardWeight))?.rawValue
            }
        }
        switch baseline {
        case .direct:
            let reference: (dx: Tensor<Float>, dw: Tensor<Float>)
            if let index = configuration.algorithms.firstIndex(of: .direct) {
                reference = gradients[index]
            } else {
                reference = (try engine.backwardInput(outputGradient: dy, weight: weight, geometry: geometry, algorithm: .direct),
                             try engine.backwardWeight(input: input, outputGradient: dy, geometry: geometry, algorithm: .direct))
            }
            for index in results.indices {
                results[index].backwardInputMaxAbsDiff = Double(gradients[index].dx.maxAbsoluteDifference(from: reference.dx))
                results[index].backwardWeightMaxAbsDiff = Double(gradients[index].dw.maxAbsoluteDifference(from: reference.dw))
            }
        case .referenceFloat64:
            let dyDouble = dy.converted(to: Double.self)
            let dx = try ReferenceConvolution.backwardInput(outputGradient: dyDouble, weight: weight.converted(to: Double.self), geometry: geometry)
            let dw = try ReferenceConvolution.backwardWeight(input: input.converted(to: Double.self), outputGradient: dyDouble, geometry: geometry)
            for index in results.indices {
                results[index].backwardInputMaxAbsDiff = gradients[index].dx.converted(to: Double.self).maxAbsoluteDifference(from: dx)
                results[index].backwardWeightMaxAbsDiff = gradients[index].dw.converted(to: Double.self).maxAbsoluteDifference(from: dw)
            }
        }
    }
}
