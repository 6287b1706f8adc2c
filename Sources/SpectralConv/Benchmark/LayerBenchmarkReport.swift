import Foundation

/// What ``LayerBenchmark/run(_:)`` measured, in the shape `spectralconv bench layer --json` prints:
///
/// ```json
/// {"config": {...}, "results": [{"algorithm": "fft", "median_ms": 1.2, "min_ms": 1.1, "gflops": 95.0,
///   "max_abs_diff_vs_direct": 3e-6}, {"algorithm": "auto", "chose": "fft", ...}],
///  "winner": "fft", "sgemm_reference_gflops": 180.0}
/// ```
///
/// Keys are snake_case; times are milliseconds, speeds GFLOP/s of useful work
/// (``ConvolutionGeometry/usefulFlops`` / median time). A non-finite difference (a path that
/// produced NaN) is encoded as the string `"nan"` or `"inf"`.
public struct LayerBenchmarkReport: Codable, Sendable, Hashable {
    /// What the accuracy column was measured against.
    public enum DiffBaseline: String, Codable, Sendable {
        /// The direct path's Float output.
        case direct
        /// ``ReferenceConvolution`` computed in Double.
        case referenceFloat64 = "reference_float64"
    }

    /// The layer and the conditions of the run.
    public struct Config: Codable, Sendable, Hashable {
        public var batch: Int
        public var inChannels: Int
        public var outChannels: Int
        /// Input rows (1 for 1-D).
        public var height: Int
        /// Input columns (the length for 1-D).
        public var width: Int
        public var kernelHeight: Int
        public var kernelWidth: Int
        /// `[height, width]`.
        public var stride: [Int]
        /// `[height, width]`.
        public var dilation: [Int]
        /// As given: `valid`, `same`, `full`, `P` or `T,B,L,R`.
        public var padding: String
        /// Resolved `[top, bottom, left, right]`.
        public var paddingResolved: [Int]
        public var groups: Int
        public var oneDimensional: Bool
        public var outputHeight: Int
        public var outputWidth: Int
        /// ``ConvolutionGeometry/usefulFlops``.
        public var usefulFlops: Double
        /// `float32`.
        public var precision: String
        public var threads: Int
        public var repeats: Int
        public var seed: UInt64
        /// What `max_abs_diff_vs_direct` is measured against.
        public var diffBaseline: DiffBaseline
        /// Extent n of the sgemm reference product behind `sgemm_reference_gflops`.
        public var sgemmReferenceSize: Int
        /// FFTW planning rigor of the fft path: `estimate`, `measure` or `patient`.
        public var fftRigor: String
        /// `OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, … as set in the environment (see ``GEMMReference/openBLASEnvironment``).
        public var openblasEnvironment: [String: String]
        /// Whether the gradients were timed too (`--backward`).
        public var backward: Bool

        enum CodingKeys: String, CodingKey {
            case batch, height, width, stride, dilation, padding, groups, precision, threads, repeats, seed
            case inChannels = "in_channels", outChannels = "out_channels"
            case kernelHeight = "kernel_height", kernelWidth = "kernel_width"
            case paddingResolved = "padding_resolved", oneDimensional = "one_dimensional"
            case outputHeight = "output_height", outputWidth = "output_width", usefulFlops = "useful_flops"
            case diffBaseline = "diff_baseline", openblasEnvironment = "openblas_environment"
            case sgemmReferenceSize = "sgemm_reference_size", fftRigor = "fft_rigor"
            case backward
        }

        public init(_ configuration: LayerBenchmark.Configuration, geometry g: ConvolutionGeometry, baseline: DiffBaseline) {
            batch = g.batch
            inChannels = g.inChannels
            outChannels = g.outChannels
            height = g.height
            width = g.width
            kernelHeight = g.kernelHeight
            kernelWidth = g.kernelWidth
            stride = [g.stride.height, g.stride.width]
            dilation = [g.dilation.height, g.dilation.width]
            padding = configuration.options.padding.description
            paddingResolved = [g.padTop, g.padBottom, g.padLeft, g.padRight]
            groups = g.groups
            oneDimensional = g.isOneDimensional
            outputHeight = g.outHeight
            outputWidth = g.outWidth
            usefulFlops = g.usefulFlops
            precision = "float32"
            threads = configuration.threads
            repeats = configuration.repeats
            seed = configuration.seed
            diffBaseline = baseline
            sgemmReferenceSize = configuration.sgemmReferenceSize
            fftRigor = configuration.fftRigor.rawValue
            openblasEnvironment = GEMMReference.openBLASEnvironment
            backward = configuration.backward
        }
    }

    /// One algorithm's measurements.
    public struct Result: Codable, Sendable, Hashable {
        /// The algorithm requested.
        public var algorithm: String
        /// For `auto` and `autotune`: the concrete path it resolved to; absent otherwise.
        public var chose: String?
        public var medianMs: Double
        public var minMs: Double
        /// Useful GFLOP/s at the median time.
        public var gflops: Double
        /// `max |y − y_baseline|` over all output elements (see ``Config/diffBaseline``).
        public var maxAbsDiffVsDirect: Double
        /// With `--backward` (absent otherwise): the input gradient's times, ms.
        public var backwardInputMedianMs: Double?
        public var backwardInputMinMs: Double?
        /// With `--backward`: the weight gradient's times, ms.
        public var backwardWeightMedianMs: Double?
        public var backwardWeightMinMs: Double?
        /// With `--backward`: forward + input gradient + weight gradient medians, ms (one training step of the layer, bias aside).
        public var stepMedianMs: Double?
        /// With `--backward`: `max |g − g_baseline|` of the input and weight gradients (same baseline kind as the forward).
        public var backwardInputMaxAbsDiff: Double?
        public var backwardWeightMaxAbsDiff: Double?
        /// With `--backward`, for `auto` and `autotune`: the paths the gradients resolved to.
        public var choseBackwardInput: String?
        public var choseBackwardWeight: String?

        enum CodingKeys: String, CodingKey {
            case algorithm, chose, gflops
            case medianMs = "median_ms", minMs = "min_ms", maxAbsDiffVsDirect = "max_abs_diff_vs_direct"
            case backwardInputMedianMs = "backward_input_median_ms", backwardInputMinMs = "backward_input_min_ms"
            case backwardWeightMedianMs = "backward_weight_median_ms", backwardWeightMinMs = "backward_weight_min_ms"
            case stepMedianMs = "step_median_ms"
            case backwardInputMaxAbsDiff = "backward_input_max_abs_diff", backwardWeightMaxAbsDiff = "backward_weight_max_abs_diff"
            case choseBackwardInput = "chose_backward_input", choseBackwardWeight = "chose_backward_weight"
        }

        public init(algorithm: ConvolutionAlgorithm, chose: ConvolutionAlgorithm?, timing: TimingSummary, gflops: Double, maxAbsDiffVsDirect: Double) {
            self.algorithm = algorithm.rawValue
            self.chose = chose?.rawValue
            self.medianMs = timing.median
            self.minMs = timing.min
            self.gflops = gflops
            self.maxAbsDiffVsDirect = maxAbsDiffVsDirect
        }
    }

    public var config: Config
    /// In the order the algorithms were requested.
    public var results: [Result]
    /// The concrete algorithm with the lowest median time (`auto` counts as the path it chose).
    public var winner: String
    /// With `--backward`: the concrete path with the lowest ``Result/stepMedianMs`` (forward + both gradients).
    public var backwardWinner: String?
    /// OpenBLAS sgemm GFLOP/s on an n×n×n product (n = ``Config/sgemmReferenceSize``, 1024 by
    /// default), median of 5 products before and 5 after the algorithms, same process and threads.
    public var sgemmReferenceGflops: Double

    enum CodingKeys: String, CodingKey {
        case config, results, winner
        case sgemmReferenceGflops = "sgemm_reference_gflops", backwardWinner = "backward_winner"
    }

    public init(config: Config, results: [Result], winner: String, sgemmReferenceGflops: Double, backwardWinner: String? = nil) {
        self.config = config
        self.results = results
        self.winner = winner
        self.sgemmReferenceGflops = sgemmReferenceGflops
        self.backwardWinner = backwardWinner
    }

    /// The fastest concrete path by ``Result/stepMedianMs`` (as ``winner(of:)`` for the forward);
    /// nil when no result has backward times.
    static func backwardWinner(of results: [Result]) -> String? {
        let timed = results.filter { $0.stepMedianMs != nil }
        guard !timed.isEmpty else { return nil }
        let concrete = timed.filter { $0.chose == nil }
        let best = (concrete.isEmpty ? timed : concrete).min { $0.stepMedianMs! < $1.stepMedianMs! }!
        return best.chose ?? best.algorithm
    }

    /// The fastest concrete path by median time; an `auto` entry stands for the path it chose,
    /// and concrete entries win ties against it.
    static func winner(of results: [Result]) -> String {
        let ranked = results.enumerated().min { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.medianMs != r.medianMs { return l.medianMs < r.medianMs }
            return (l.chose == nil ? 0 : 1, lhs.offset) < (r.chose == nil ? 0 : 1, rhs.offset)
        }
        guard let best = ranked?.element else { return "" }
        return best.chose ?? best.algorithm
    }

    /// The report as one JSON object (keys sorted; compact unless `pretty`).
    public func jsonString(pretty: Bool = false) throws(SpectralConvError) -> String {
        try ReportJSON.encode(self, pretty: pretty, what: "the benchmark report")
    }
}
