import Foundation

/// Times every algorithm on a grid of square layers — kernel size × input size × channel count —
/// to show where each path wins and to calibrate the cost model (`spectralconv bench sweep`).
///
/// **Configurations.** For each channel count C, input size n and kernel size k (swept in that
/// nesting, ascending as given): input `[N, C, n, n]`, weight `[C, C, k, k]` (C = O, one group),
/// stride 1, no dilation, and the sweep's padding — `same` by default, so the output is `n × n`
/// whatever the kernel and every combination is possible (TensorFlow's split: the odd unit at the
/// bottom/right for even kernels). With `valid`, a kernel larger than the input is skipped with
/// that reason. Input and weight are uniform in [−1, 1] (seed, seed + 1), Float.
///
/// **Measurements.** Per algorithm: one untimed call builds its plans and workspaces (warms the
/// caches; tunes `autotune`); then the algorithms of the configuration are timed **interleaved in
/// rounds** (``InterleavedTiming``): each round takes one sample of every algorithm — direct/fft
/// and any other path that does not use OpenBLAS first, the ones that run im2col last, OpenBLAS'
/// spinning workers waited out before the next sample — so load that drifts during the
/// configuration hits all paths alike. Rows report the median sample and the minimum; rows keep
/// the requested order. With ``Configuration/backward`` the input and weight gradients are then
/// timed path by path (``LayerBenchmark/timeBackward(engine:input:weight:outputGradient:geometry:algorithm:repeats:settle:minimumSeconds:)``).
///
/// **Samples.** ``Configuration/repeats`` rounds (fewer for a path the budget limits). A sample is
/// one call, or for fast calls the mean of a batch of back-to-back calls lasting at least
/// ``minimumSeconds`` / repeats (6 ms at the defaults, at most 100 calls), so a path's samples add
/// up to about 30 ms however fast it is and a median of microsecond calls is not at the mercy of
/// one scheduler hiccup. **Close calls**: while the concrete paths (not `auto`/`autotune`, which run
/// one of them) whose medians are within ``closeCallRatio`` (25%) of the fastest's number two or
/// more, those paths take further rounds, up to ``closeCallFactor`` (4) × repeats samples each and
/// within the budget as below, so the order of two near-tied paths is measured on 20 samples, not
/// 5 (see ``InterleavedTiming``). Rows report the number of samples as `repeats`.
///
/// **Budget.** Before timing, the cost model predicts one call (``ConvolutionCostModel``; for `auto`
/// the path it would pick). A path predicted to take longer than ``Configuration/budget`` seconds
/// per call is **skipped** and marked so, with the prediction in its reason; otherwise the timed
/// calls are cut so that the warm-up plus the timed calls stay within about the budget
/// (`repeats = max(1, min(R, ⌊budget / predicted⌋ − 1))`; a close call's samples likewise, with
/// 4R for R, and its rounds stop after one budget in all). When the model underestimated and the
/// warm-up call itself takes more than ``warmUpFactor`` (2) × the budget, the path is skipped too,
/// its warm-up time in the row (not with `--fft-rigor measure`/`patient`, whose planning is part of
/// the warm-up). The gradients have their own budget check on the sum of the two gradient
/// predictions.
public enum SweepBenchmark {
    /// One configuration of the grid.
    public struct Point: Hashable, Sendable, Codable, CustomStringConvertible {
        /// C = O.
        public var channels: Int
        /// n = H = W.
        public var size: Int
        /// k = kH = kW.
        public var kernel: Int

        public init(channels: Int, size: Int, kernel: Int) {
            self.channels = channels
            self.size = size
            self.kernel = kernel
        }

        /// `C=16 64x64 k=7`.
        public var description: String { "C=\(channels) \(size)x\(size) k=\(kernel)" }
    }

    /// What to sweep.
    public struct Configuration: Sendable {
        /// Kernel sizes k (k × k kernels).
        public var kernels: [Int]
        /// Input sizes n (n × n inputs).
        public var sizes: [Int]
        /// Channel counts (C = O).
        public var channels: [Int]
        /// Batch N.
        public var batch: Int
        /// Threads for the engine and OpenBLAS.
        public var threads: Int
        /// Algorithms, in the order the rows report them (`auto` included as a column).
        public var algorithms: [ConvolutionAlgorithm]
        /// Padding of every layer (`same` by default).
        public var padding: Padding
        /// Also time the input and weight gradients.
        public var backward: Bool
        /// Timed calls per measurement (fewer when the budget demands).
        public var repeats: Int
        /// Seconds a measurement may take; a path predicted to need more per call is skipped.
        public var budget: Double
        /// Seed of the random input (weight: seed + 1, output gradient: seed + 2).
        public var seed: UInt64
        public var fftRigor: FFTPlanRigor
        /// The model behind the predictions, the budget and `auto`.
        public var costModel: ConvolutionCostModel
        /// How the report names the model: `default` or its calibration file.
        public var costModelName: String

        /// The default grid: kernels 1…31, inputs 16…512, channels 1, 16, 64 (162 configurations).
        public static let defaultKernels = [1, 3, 5, 7, 9, 11, 15, 21, 31]
        public static let defaultSizes = [16, 32, 64, 128, 256, 512]
        public static let defaultChannels = [1, 16, 64]
        /// The kernels of a calibration sweep (`--calibrate` without `--kernels`): the default ones
        /// plus 2 and 4 — even kernels and the smallest sizes are where the spatial paths' real
        /// costs stray most from their operation counts (an im2col layer with 2×2 kernels ran
        /// 1.5–1.7× slower than a model fitted to odd kernels predicted), so the fit and its
        /// local correction should see them (198 configurations).
        public static let calibrationKernels = [1, 2, 3, 4, 5, 7, 9, 11, 15, 21, 31]

        public init(
            kernels: [Int] = defaultKernels, sizes: [Int] = defaultSizes, channels: [Int] = defaultChannels,
            batch: Int = 1, threads: Int, algorithms: [ConvolutionAlgorithm] = ConvolutionAlgorithm.concrete + [.auto],
            padding: Padding = .same, backward: Bool = false, repeats: Int = 5, budget: Double = 2, seed: UInt64 = 42,
            fftRigor: FFTPlanRigor = .estimate, costModel: ConvolutionCostModel = .calibratedOrDefault, costModelName: String = "default"
        ) {
            self.kernels = kernels
            self.sizes = sizes
            self.channels = channels
            self.batch = batch
            self.threads = threads
            self.algorithms = algorithms
            self.padding = padding
            self.backward = backward
            self.repeats = repeats
            self.budget = budget
            self.seed = seed
            self.fftRigor = fftRigor
            self.costModel = costModel
            self.costModelName = costModelName
        }

        /// The configurations in sweep order.
        public var points: [Point] {
            channels.flatMap { c in sizes.flatMap { n in kernels.map { k in Point(channels: c, size: n, kernel: k) } } }
        }

        /// Checks the lists and counts.
        /// - Throws: ``SpectralConvError/invalidArgument(_:)`` naming the first value out of range.
        public func validate() throws(SpectralConvError) {
            for (name, list) in [("kernels", kernels), ("sizes", sizes), ("channels", channels)] {
                guard !list.isEmpty else { throw .invalidArgument("the \(name) list is empty") }
                if let bad = list.first(where: { $0 < 1 }) { throw .invalidArgument("\(name) must be at least 1, got \(bad)") }
            }
            for (name, value) in [("batch", batch), ("threads", threads), ("repeats", repeats)] where value < 1 {
                throw .invalidArgument("\(name) must be at least 1, got \(value)")
            }
            guard budget.isFinite, budget > 0 else { throw .invalidArgument("budget must be a positive number of seconds, got \(budget)") }
            guard !algorithms.isEmpty else { throw .invalidArgument("no algorithm to sweep") }
        }

        /// The longest transform length the FFT path may use on any swept layer, forward or
        /// gradient: the next even fast length above the padded input plus the kernel (layouts
        /// never transform more than output + kernel − 1 points per axis). The transform-cost
        /// table of a calibration sweep is measured up to it.
        public var longestTransform: Int {
            let longest = points.compactMap { point -> Int? in
                guard case .success(let g) = geometry(point) else { return nil }
                return max(g.paddedHeight, g.paddedWidth) + max(g.effectiveKernelHeight, g.effectiveKernelWidth)
            }.max() ?? 2
            return FFTSize.nextFastEven(longest)
        }

        /// The layer of `point`, or why there is none.
        public func geometry(_ point: Point) -> Result<ConvolutionGeometry, SpectralConvError> {
            Result { () throws(SpectralConvError) -> ConvolutionGeometry in
                let geometry = try ConvolutionGeometry(
                    inputShape: [batch, point.channels, point.size, point.size],
                    weightShape: [point.channels, point.channels, point.kernel, point.kernel],
                    options: ConvolutionOptions(padding: padding))
                try geometry.checkFitsInMemory(scalarSize: MemoryLayout<Float>.size)
                return geometry
            }
        }
    }

    /// Where a running sweep is.
    public struct Progress: Sendable {
        /// Measurements finished (one per configuration × algorithm), and in all.
        public var completed: Int
        public var total: Int
        /// The configuration and algorithm about to be measured (nil when finished).
        public var point: Point?
        public var algorithm: ConvolutionAlgorithm?
    }

    /// Runs the sweep; `progress` is called before each measurement and once at the end.
    /// - Throws: ``SpectralConvError`` for an invalid configuration (impossible layers are rows
    ///   marked skipped, not errors).
    public static func run(_ configuration: Configuration, progress: (Progress) -> Void = { _ in }) throws(SpectralConvError) -> SweepReport {
        try configuration.validate()
        let clock = ContinuousClock()
        let start = clock.now
        let started = ISO8601DateFormatter().string(from: Date())
        let engine = try ConvolutionEngine(threads: configuration.threads, fftRigor: configuration.fftRigor, costModel: configuration.costModel)
        let points = configuration.points
        let total = points.count * configuration.algorithms.count
        var rows: [SweepReport.Row] = []
        var blasBusy = false
        for (index, point) in points.enumerated() {
            progress(Progress(completed: index * configuration.algorithms.count, total: total, point: point, algorithm: configuration.algorithms.first))
            rows += try measure(point, configuration: configuration, engine: engine, blasBusy: &blasBusy) { done, algorithm in
                progress(Progress(completed: index * configuration.algorithms.count + done, total: total, point: point, algorithm: algorithm))
            }
        }
        progress(Progress(completed: total, total: total, point: nil, algorithm: nil))
        let config = SweepReport.Config(
            kernels: configuration.kernels, sizes: configuration.sizes, channels: configuration.channels,
            batch: configuration.batch, threads: configuration.threads, padding: configuration.padding.description,
            algorithms: configuration.algorithms.map(\.rawValue), repeats: configuration.repeats,
            budgetSeconds: configuration.budget, backward: configuration.backward, seed: configuration.seed,
            fftRigor: configuration.fftRigor.rawValue, costModel: configuration.costModelName,
            openblasEnvironment: GEMMReference.openBLASEnvironment, started: started,
            seconds: TimingSummary.milliseconds(clock.now - start) / 1e3, fftLengths: configuration.costModel.fftLengthCosts)
        return SweepReport(config: config, rows: rows)
    }

    /// The rows of one configuration, in the requested algorithm order.
    static func measure(
        _ point: Point, configuration c: Configuration, engine: ConvolutionEngine, blasBusy: inout Bool,
        progress: (Int, ConvolutionAlgorithm?) -> Void
    ) throws(SpectralConvError) -> [SweepReport.Row] {
        let padding = c.padding.description
        var rows = c.algorithms.map {
            SweepReport.Row(channels: point.channels, size: point.size, kernel: point.kernel, batch: c.batch, padding: padding,
                            algorithm: $0, status: .skipped)
        }
        let geometry: ConvolutionGeometry
        switch c.geometry(point) {
        case .failure(let error):
            let reason = "impossible layer: \(error)"
            for index in rows.indices {
                rows[index].reason = reason
                if c.backward {
                    rows[index].backwardStatus = .skipped
                    rows[index].backwardReason = reason
                }
            }
            progress(rows.count, nil)
            return rows
        case .success(let resolved): geometry = resolved
        }
        let model = c.costModel, threads = c.threads
        let input = Tensor<Float>.uniform(shape: geometry.inputShape, seed: c.seed)
        let weight = Tensor<Float>.uniform(shape: geometry.weightShape, seed: c.seed &+ 1)
        let dy = c.backward ? Tensor<Float>.uniform(shape: geometry.outputShape, seed: c.seed &+ 2) : nil

        // Non-BLAS paths first, then im2col, then the choosing algorithms (by the path they run):
        // within a round, OpenBLAS' spinning workers are waited out once, before the next round.
        func rank(_ algorithm: ConvolutionAlgorithm) -> Int {
            algorithm == .im2col ? 1 : (ConvolutionAlgorithm.concrete.contains(algorithm) ? 0 : 2)
        }
        let order = c.algorithms.indices.sorted { (rank(c.algorithms[$0]), $0) < (rank(c.algorithms[$1]), $1) }
        var timedIndices: [Int] = []
        var repeatsWanted: [Int: Int] = [:]
        var repeatsAllowed: [Int: Int] = [:]   // in a close call
        var gradientPathsOf: [Int: (input: ConvolutionAlgorithm, weight: ConvolutionAlgorithm)] = [:]
        // 1. Predictions, budget, warm-up (plans, workspaces, autotune's tuning) of every path.
        for (done, index) in order.enumerated() {
            let algorithm = c.algorithms[index]
            progress(done, algorithm)
            let concrete = ConvolutionAlgorithm.concrete.contains(algorithm)
            // What a choosing algorithm will run, as the model sees it (autotune may differ; its row says what it ran).
            let predictedPath = concrete ? algorithm : model.fastest(for: geometry, threads: threads)
            let predicted = model.predictedSeconds(for: geometry, algorithm: predictedPath, threads: threads)
            var row = rows[index]
            row.outputSize = geometry.outHeight
            row.usefulFlops = geometry.usefulFlops
            row.predictedMs = predicted * 1e3
            if !concrete { row.chose = predictedPath.rawValue }
            let gradientPaths = concrete ? (input: algorithm, weight: algorithm)
                : (input: model.fastestBackward(for: geometry, gradient: .input, threads: threads),
                   weight: model.fastestBackward(for: geometry, gradient: .weight, threads: threads))
            gradientPathsOf[index] = gradientPaths
            if c.backward {
                row.predictedBackwardInputMs = model.predictedBackwardSeconds(for: geometry, gradient: .input, algorithm: gradientPaths.input, threads: threads) * 1e3
                row.predictedBackwardWeightMs = model.predictedBackwardSeconds(for: geometry, gradient: .weight, algorithm: gradientPaths.weight, threads: threads) * 1e3
                if !concrete {
                    row.choseBackwardInput = gradientPaths.input.rawValue
                    row.choseBackwardWeight = gradientPaths.weight.rawValue
                }
            }
            guard predicted <= c.budget else {
                row.reason = String(format: "predicted %.3g s per call, over the budget of %g s", predicted, c.budget)
                if c.backward {
                    row.backwardStatus = .skipped
                    row.backwardReason = "forward skipped"
                }
                rows[index] = row
                continue
            }
            // A warm-up call far over the budget (the model underestimated) ends the measurement —
            // unless it may include slow FFTW planning (`measure`/`patient` rigor) or autotune's
            // one-time timing of the candidates.
            let planningMayBeSlow = (c.fftRigor != .estimate && (predictedPath == .fft || !concrete)) || algorithm == .autotune
            let warmUpLimit = planningMayBeSlow ? .infinity : warmUpFactor * c.budget
            let warmUpMs = try LayerBenchmark.warmUp(engine: engine, geometry: geometry, algorithm: algorithm)
            row.warmUpMs = warmUpMs
            if !concrete { row.chose = engine.resolve(algorithm, for: geometry).rawValue }
            rows[index] = row
            guard warmUpMs <= warmUpLimit * 1e3 else {
                rows[index].reason = String(format: "the warm-up call took %.3g s, over %g x the budget of %g s", warmUpMs / 1e3, warmUpFactor, c.budget)
                if c.backward {
                    rows[index].backwardStatus = .skipped
                    rows[index].backwardReason = "forward skipped"
                }
                continue
            }
            timedIndices.append(index)
            repeatsWanted[index] = budgetedRepeats(predicted: predicted, budget: c.budget, requested: c.repeats)
            repeatsAllowed[index] = budgetedRepeats(predicted: predicted, budget: c.budget, requested: closeCallFactor * c.repeats)
        }
        // 2. The forward calls, interleaved in rounds (paths that run OpenBLAS last in each round).
        let blasRank = Dictionary(uniqueKeysWithValues: timedIndices.enumerated().map { position, index in
            (index, (usesBLAS(engine.resolve(c.algorithms[index], for: geometry)) ? 1 : 0, position))
        })
        timedIndices.sort { blasRank[$0]! < blasRank[$1]! }
        let outcomes = InterleavedTiming.measure(
            samples: timedIndices.map { repeatsWanted[$0]! }, maximumSamples: timedIndices.map { repeatsAllowed[$0]! },
            contenders: timedIndices.map { ConvolutionAlgorithm.concrete.contains(c.algorithms[$0]) },
            policy: timingPolicy(repeats: c.repeats, budget: c.budget)
        ) { (contestant: Int) throws(SpectralConvError) in
            _ = try engine.forward(input: input, weight: weight, geometry: geometry, algorithm: c.algorithms[timedIndices[contestant]])
        }
        if blasRank.values.contains(where: { $0.0 == 1 }) { blasBusy = true }
        for (contestant, index) in timedIndices.enumerated() {
            let timing: TimingSummary
            switch outcomes[contestant] {
            case .failed(let error): throw error
            case .timed(let summary): timing = summary
            }
            let algorithm = c.algorithms[index]
            var row = rows[index]
            row.status = .measured
            row.repeats = timing.samples.count
            row.medianMs = timing.median
            row.minMs = timing.min
            row.gflops = TimingSummary.gflops(geometry.usefulFlops, milliseconds: timing.median)
            // 3. The gradients, path by path (after the forward rounds).
            if let dy, let predictedInput = row.predictedBackwardInputMs, let predictedWeight = row.predictedBackwardWeightMs,
               let gradientPaths = gradientPathsOf[index] {
                let predictedGradients = (predictedInput + predictedWeight) / 1e3
                let gradientsUseBLAS = usesBLAS(gradientPaths.input) || usesBLAS(gradientPaths.weight)
                if predictedGradients > c.budget {
                    row.backwardStatus = .skipped
                    row.backwardReason = String(format: "predicted %.3g s per gradient pair, over the budget of %g s", predictedGradients, c.budget)
                } else {
                    let backwardRepeats = budgetedRepeats(predicted: predictedGradients, budget: c.budget, requested: c.repeats)
                    let timings = try LayerBenchmark.timeBackward(
                        engine: engine, input: input, weight: weight, outputGradient: dy, geometry: geometry,
                        algorithm: algorithm, repeats: backwardRepeats, settle: blasBusy && !gradientsUseBLAS,
                        minimumSeconds: min(minimumSeconds, c.budget / 4))
                    blasBusy = gradientsUseBLAS
                    if algorithm == .autotune {
                        // What the autotuner chose for the gradients (tuned by timeBackward's warm-up calls).
                        row.choseBackwardInput = engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry, pass: .backwardInput))?.rawValue
                        row.choseBackwardWeight = engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry, pass: .backwardWeight))?.rawValue
                    }
                    row.backwardStatus = .measured
                    row.backwardRepeats = backwardRepeats
                    row.backwardInputMedianMs = timings.input.median
                    row.backwardInputMinMs = timings.input.min
                    row.backwardWeightMedianMs = timings.weight.median
                    row.backwardWeightMinMs = timings.weight.min
                }
            }
            rows[index] = row
        }
        return rows
    }

    /// How the sweep times the forward calls of one configuration (``InterleavedTiming``): samples
    /// of at least `minimumSeconds / repeats` (6 ms at the defaults; never more than a quarter of
    /// the budget per path in all), at most 100 calls each, so a path's `repeats` samples add up to
    /// about ``minimumSeconds`` of timed calls however fast it is; close calls within
    /// ``closeCallRatio`` take up to ``closeCallFactor`` × `repeats` rounds, at most `budget` seconds of them.
    static func timingPolicy(repeats: Int, budget: Double) -> InterleavedTiming.Policy {
        let total = min(minimumSeconds, budget / 4)
        return InterleavedTiming.Policy(minimumSampleSeconds: total / Double(max(1, repeats)), maximumCallsPerSample: 100,
                                        minimumTotalSeconds: 0, maximumRounds: max(1, repeats),
                                        closeCallRatio: closeCallRatio, closeCallRounds: closeCallFactor * max(1, repeats),
                                        closeCallSeconds: budget)
    }

    /// Paths whose medians are within this ratio of the fastest's are a close call (1.25). With a
    /// per-sample spread of σ ≈ 5%, two medians of 5 samples differ by ±4% (one sd) from noise
    /// alone; but two-thread calls of about a millisecond spread far more on the test VM (a 16-channel
    /// 32² 15×15 layer: samples from 0.72 to 1.3 ms, medians of two runs 0.78 and 0.60 ms), and
    /// pairs measured 10–24% apart on 5 samples came out in the other order on another
    /// measurement. Close calls are few; 25% costs about a third more sweep time.
    public static let closeCallRatio = 1.25

    /// A close call takes paths to at most this many × the requested repeats samples (4: 20 at the
    /// default 5, ratio of two medians ±2%), at most 4× their normal timed calls.
    public static let closeCallFactor = 4

    /// Timed calls that keep warm-up + timed calls within about `budget`: `max(1, min(requested, ⌊budget/predicted⌋ − 1))`.
    static func budgetedRepeats(predicted: Double, budget: Double, requested: Int) -> Int {
        guard predicted > 0 else { return requested }
        let affordable = (budget / predicted).rounded(.down) - 1
        return max(1, min(requested, affordable >= Double(Int.max) ? requested : Int(affordable)))
    }

    /// Fast calls are repeated until this much time is timed (at most 100 × the requested repeats;
    /// never more than a quarter of the budget).
    public static let minimumSeconds = 0.03

    /// A warm-up call longer than this multiple of the budget skips the path.
    public static let warmUpFactor = 2.0

    /// Whether a path calls OpenBLAS (whose threads then spin for a while).
    static func usesBLAS(_ path: ConvolutionAlgorithm) -> Bool { path == .im2col }
}
