import Foundation

/// The result of a ``SweepBenchmark``: one row per configuration × algorithm, in the order the
/// configurations were swept (channels, then input size, then kernel size, ascending) and the
/// algorithms were requested.
///
/// JSON (``jsonString(pretty:)``; keys snake_case, times in milliseconds, a value that was not
/// measured is `null`):
///
/// ```json
/// {"config": {"kernels": [1, 3], "sizes": [16, 32], "channels": [1, 16], "batch": 1, "threads": 2,
///             "padding": "same", "algorithms": ["direct", "im2col", "fft", "auto"], "repeats": 5,
///             "budget_seconds": 2, "backward": false, "seed": 42, "fft_rigor": "estimate",
///             "cost_model": "default", "openblas_environment": {}, "started": "…", "seconds": 41.5},
///  "rows": [{"channels": 1, "size": 16, "kernel": 3, "batch": 1, "padding": "same", "output_size": 16,
///            "useful_flops": 4608, "algorithm": "fft", "chose": null, "status": "measured", "reason": null,
///            "repeats": 5, "median_ms": 0.012, "min_ms": 0.011, "gflops": 0.38, "predicted_ms": 0.009, …}, …],
///  "summary": {…}}
/// ```
///
/// ``csv()`` has the same rows with the columns of ``Row/csvHeader``.
public struct SweepReport: Codable, Sendable, Hashable {
    /// What was swept and under which conditions.
    public struct Config: Codable, Sendable, Hashable {
        public var kernels: [Int]
        public var sizes: [Int]
        public var channels: [Int]
        public var batch: Int
        public var threads: Int
        /// `same`, `valid`, … as given.
        public var padding: String
        public var algorithms: [String]
        /// Timed calls per measurement requested (a row's `repeats` may be fewer under the budget, or
        /// more in a close call; see ``SweepBenchmark``).
        public var repeats: Int
        public var budgetSeconds: Double
        public var backward: Bool
        public var seed: UInt64
        public var fftRigor: String
        /// `default`, or the calibration file `auto` and the predictions used.
        public var costModel: String
        public var openblasEnvironment: [String: String]
        /// ISO 8601 start time.
        public var started: String
        /// Wall time of the whole sweep, s.
        public var seconds: Double
        /// The measured transform costs the FFT layouts were chosen with (``FFTLengthCosts``; nil:
        /// the fixed rule) — what a calibration fitted to this report must lay out with too.
        public var fftLengths: FFTLengthCosts? = nil

        enum CodingKeys: String, CodingKey {
            case kernels, sizes, channels, batch, threads, padding, algorithms, repeats, backward, seed, started, seconds
            case budgetSeconds = "budget_seconds", fftRigor = "fft_rigor", costModel = "cost_model"
            case openblasEnvironment = "openblas_environment", fftLengths = "fft_lengths"
        }
    }

    /// Whether a measurement was taken.
    public enum Status: String, Codable, Sendable, Hashable {
        case measured
        /// Not taken: the reason says why (predicted over the budget, impossible configuration).
        case skipped
    }

    /// One configuration × one algorithm.
    public struct Row: Codable, Sendable, Hashable {
        /// C = O.
        public var channels: Int
        /// Input H = W.
        public var size: Int
        /// Kernel kH = kW.
        public var kernel: Int
        public var batch: Int
        public var padding: String
        /// Output Ho = Wo (nil when the configuration is impossible).
        public var outputSize: Int?
        /// ``ConvolutionGeometry/usefulFlops`` (nil when impossible).
        public var usefulFlops: Double?
        public var algorithm: String
        /// For `auto` (and other non-concrete algorithms): the concrete path it resolved to.
        public var chose: String?
        public var status: Status
        /// Why a skipped row was skipped.
        public var reason: String?
        /// Samples actually taken (fewer than requested when the budget demands, more for the
        /// near-tied paths of a close call).
        public var repeats: Int?
        public var medianMs: Double?
        public var minMs: Double?
        /// Useful GFLOP/s at the median time.
        public var gflops: Double?
        /// The cost model's prediction of one forward call (for `auto`: of the path it picks).
        public var predictedMs: Double?
        /// The untimed warm-up call (plans, workspaces and the first run), ms.
        public var warmUpMs: Double?
        /// With `--backward`: whether the gradients were measured, their times and predictions, and
        /// for `auto` the paths the gradients resolved to.
        public var backwardStatus: Status?
        public var backwardReason: String?
        public var backwardRepeats: Int?
        public var backwardInputMedianMs: Double?
        public var backwardInputMinMs: Double?
        public var backwardWeightMedianMs: Double?
        public var backwardWeightMinMs: Double?
        public var predictedBackwardInputMs: Double?
        public var predictedBackwardWeightMs: Double?
        public var choseBackwardInput: String?
        public var choseBackwardWeight: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case channels, size, kernel, batch, padding
            case outputSize = "output_size", usefulFlops = "useful_flops"
            case algorithm, chose, status, reason, repeats
            case medianMs = "median_ms", minMs = "min_ms", gflops
            case predictedMs = "predicted_ms", warmUpMs = "warm_up_ms"
            case backwardStatus = "backward_status", backwardReason = "backward_reason", backwardRepeats = "backward_repeats"
            case backwardInputMedianMs = "backward_input_median_ms", backwardInputMinMs = "backward_input_min_ms"
            case backwardWeightMedianMs = "backward_weight_median_ms", backwardWeightMinMs = "backward_weight_min_ms"
            case predictedBackwardInputMs = "predicted_backward_input_ms", predictedBackwardWeightMs = "predicted_backward_weight_ms"
            case choseBackwardInput = "chose_backward_input", choseBackwardWeight = "chose_backward_weight"
        }

        public init(channels: Int, size: Int, kernel: Int, batch: Int, padding: String, algorithm: ConvolutionAlgorithm, status: Status) {
            self.channels = channels
            self.size = size
            self.kernel = kernel
            self.batch = batch
            self.padding = padding
            self.algorithm = algorithm.rawValue
            self.status = status
        }

        /// Every key, `null` for values not measured (so each row has the same keys).
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(channels, forKey: .channels)
            try container.encode(size, forKey: .size)
            try container.encode(kernel, forKey: .kernel)
            try container.encode(batch, forKey: .batch)
            try container.encode(padding, forKey: .padding)
            try container.encode(outputSize, forKey: .outputSize)
            try container.encode(usefulFlops, forKey: .usefulFlops)
            try container.encode(algorithm, forKey: .algorithm)
            try container.encode(chose, forKey: .chose)
            try container.encode(status, forKey: .status)
            try container.encode(reason, forKey: .reason)
            try container.encode(repeats, forKey: .repeats)
            try container.encode(medianMs, forKey: .medianMs)
            try container.encode(minMs, forKey: .minMs)
            try container.encode(gflops, forKey: .gflops)
            try container.encode(predictedMs, forKey: .predictedMs)
            try container.encode(warmUpMs, forKey: .warmUpMs)
            try container.encode(backwardStatus, forKey: .backwardStatus)
            try container.encode(backwardReason, forKey: .backwardReason)
            try container.encode(backwardRepeats, forKey: .backwardRepeats)
            try container.encode(backwardInputMedianMs, forKey: .backwardInputMedianMs)
            try container.encode(backwardInputMinMs, forKey: .backwardInputMinMs)
            try container.encode(backwardWeightMedianMs, forKey: .backwardWeightMedianMs)
            try container.encode(backwardWeightMinMs, forKey: .backwardWeightMinMs)
            try container.encode(predictedBackwardInputMs, forKey: .predictedBackwardInputMs)
            try container.encode(predictedBackwardWeightMs, forKey: .predictedBackwardWeightMs)
            try container.encode(choseBackwardInput, forKey: .choseBackwardInput)
            try container.encode(choseBackwardWeight, forKey: .choseBackwardWeight)
        }

        /// The CSV columns: the JSON keys, in the same order.
        public static let csvHeader = CodingKeys.allCases.map(\.rawValue)

        /// The row's CSV fields (empty for values not measured; numbers in Swift's shortest
        /// round-trip form; text quoted when it holds a comma or quote).
        func csvFields() -> [String] {
            func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
            func integer(_ value: Int?) -> String { value.map(String.init) ?? "" }
            func text(_ value: String?) -> String {
                guard let value else { return "" }
                guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return [String(channels), String(size), String(kernel), String(batch), text(padding), integer(outputSize),
                    number(usefulFlops), algorithm, text(chose), status.rawValue, text(reason), integer(repeats),
                    number(medianMs), number(minMs), number(gflops), number(predictedMs), number(warmUpMs),
                    text(backwardStatus?.rawValue), text(backwardReason), integer(backwardRepeats),
                    number(backwardInputMedianMs), number(backwardInputMinMs),
                    number(backwardWeightMedianMs), number(backwardWeightMinMs),
                    number(predictedBackwardInputMs), number(predictedBackwardWeightMs),
                    text(choseBackwardInput), text(choseBackwardWeight)]
        }

        /// The configuration this row belongs to.
        public var point: SweepBenchmark.Point { .init(channels: channels, size: size, kernel: kernel) }
        /// Whether the algorithm is a concrete path.
        public var isConcrete: Bool { ConvolutionAlgorithm.concrete.map(\.rawValue).contains(algorithm) }
    }

    public var config: Config
    public var rows: [Row]
    /// The acceptance measures of ``SweepSummary`` over ``rows``.
    public var summary: SweepSummary

    public init(config: Config, rows: [Row]) {
        self.config = config
        self.rows = rows
        self.summary = SweepSummary(rows: rows, algorithms: config.algorithms)
    }

    /// Decodes the configuration and the rows; the summary is recomputed from the rows (it is
    /// derived data, so reports written by older versions gain the measures added since).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(config: try container.decode(Config.self, forKey: .config), rows: try container.decode([Row].self, forKey: .rows))
    }

    /// The configurations in sweep order, each with its rows.
    public var points: [(point: SweepBenchmark.Point, rows: [Row])] {
        var order: [SweepBenchmark.Point] = []
        var groups: [SweepBenchmark.Point: [Row]] = [:]
        for row in rows {
            if groups[row.point] == nil { order.append(row.point) }
            groups[row.point, default: []].append(row)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// The report as one JSON object (keys sorted; compact unless `pretty`).
    public func jsonString(pretty: Bool = false) throws(SpectralConvError) -> String {
        try ReportJSON.encode(self, pretty: pretty, what: "the sweep report")
    }

    /// Decodes a report written by ``jsonString(pretty:)``; `path` names the source in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws(SpectralConvError) -> SweepReport {
        do {
            return try ReportJSON.decoder.decode(SweepReport.self, from: data)
        } catch {
            throw .invalidFormat(path: path, reason: "not a sweep report written by `spectralconv bench sweep --json` (\(CostModelCalibration.shortDescription(of: error)))")
        }
    }

    /// The rows as CSV: a header line (``Row/csvHeader``) and one line per row, `\n`-terminated.
    public func csv() -> String {
        var lines = [Row.csvHeader.joined(separator: ",")]
        lines += rows.map { $0.csvFields().joined(separator: ",") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws(SpectralConvError) {
        try NPY.writeFileAtomically(Array(text.utf8), to: path)
    }
}
