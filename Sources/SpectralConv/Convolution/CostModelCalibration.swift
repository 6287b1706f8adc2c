import Foundation

/// Cost-model coefficients fitted to one machine's measurements (``CostModelFit``), and the JSON
/// file they live in (written by `spectralconv bench sweep --calibrate`, read by every command
/// that convolves and by ``ConvolutionCostModel/calibratedOrDefault``).
///
/// The file (one object, keys sorted):
///
/// ```json
/// {"format": "spectralconv-cost-model", "version": 1, "created": "2025-01-01T12:00:00Z",
///  "threads": 2, "source": "bench sweep: kernels 1,3,… sizes … channels … batch 1, padding same",
///  "fits": [{"algorithm": "direct", "pass": "forward", "samples": 162,
///            "rms_log_error": 0.09, "max_log_error": 0.41,
///            "coefficients": {"direct_flops": 6.1e-12, "direct_blocking_loss": 2.3e-12,
///                             "copy_bytes": 1.0e-10, "calls": 4.2e-6},
///            "correction": {"bandwidth": 0.3, "shrinkage": 0.1, "leave_one_out_rms": 0.19,
///                           "residuals": [{"layer": {"batch": 1, "in_channels_per_group": 16, …},
///                                          "log_ratio": -0.12}, …]}}, …]}
/// ```
///
/// `coefficients` are seconds per unit of each ``CostTerm`` (`s/flop/thread`, `s/byte/thread`,
/// `s/call`); `rms_log_error` and `max_log_error` are the root-mean-square and largest
/// `|ln(predicted / measured)|` over the fitted measurements (of the terms alone). `algorithm` is
/// `direct`, `im2col` or `fft`, `pass` `forward`, `backward_input` or `backward_weight`. The
/// optional `correction` is the fit's local correction (``CostModelCorrection``): each measured
/// layer and `ln(measured/predicted)` there, with the kernel bandwidth and shrinkage that predicted
/// left-out layers best; files without it (older ones) predict with the terms alone. The optional
/// `fft_lengths` is the machine's measured transform-cost table (``FFTLengthCosts``), which the
/// model and every engine using it lay out FFTs with:
///
/// ```json
///  "fft_lengths": {"rigor": "estimate", "reference_length": 32,
///                  "batched": {"square": {"2": 3.1e-8, "4": 4.0e-8, …}, "tall": {…}, "wide": {…}},
///                  "per_map": {…}}
/// ```
///
/// (seconds per map of an r2c + c2r pair of n×n, n×32 and 32×n maps, keyed by n); files without
/// it use the fixed rule.
public struct CostModelCalibration: Sendable, Hashable {
    /// The fitted coefficients of one path and pass.
    public struct Fit: Sendable, Hashable {
        public var algorithm: ConvolutionAlgorithm
        public var pass: ConvolutionPass
        /// Seconds per unit of each term (terms absent count 0).
        public var coefficients: ConvolutionCostModel.Coefficients
        /// Measurements the fit used.
        public var samples: Int
        /// `sqrt(mean(ln(predicted/measured)²))` over those measurements.
        public var rmsLogError: Double
        /// `max |ln(predicted/measured)|` over those measurements.
        public var maxLogError: Double
        /// What the terms still get wrong near the measured layers (nil: none kept).
        public var correction: CostModelCorrection?

        public init(algorithm: ConvolutionAlgorithm, pass: ConvolutionPass, coefficients: ConvolutionCostModel.Coefficients,
                    samples: Int, rmsLogError: Double, maxLogError: Double, correction: CostModelCorrection? = nil) {
            self.algorithm = algorithm
            self.pass = pass
            self.coefficients = coefficients
            self.samples = samples
            self.rmsLogError = rmsLogError
            self.maxLogError = maxLogError
            self.correction = correction
        }
    }

    /// The value of the file's `format` key.
    public static let format = "spectralconv-cost-model"
    /// The file version this code reads and writes.
    public static let version = 1

    /// One fit per (path, pass) that was measured.
    public var fits: [Fit]
    /// The thread count of the measurements (work terms are per thread, so other counts are
    /// predicted by scaling; a calibration at the thread count used is the most accurate).
    public var threads: Int
    /// ISO 8601 time of the calibration.
    public var created: String
    /// What was measured, for people reading the file.
    public var source: String
    /// The transform costs measured before the sweep, which its FFT layouts (and the fitted FFT
    /// terms) used; nil in calibrations without them.
    public var fftLengths: FFTLengthCosts?

    public init(fits: [Fit], threads: Int, created: String, source: String, fftLengths: FFTLengthCosts? = nil) {
        self.fits = fits
        self.threads = threads
        self.created = created
        self.source = source
        self.fftLengths = fftLengths
    }

    /// The fit of `algorithm` and `pass`, if one was made.
    public func fit(for algorithm: ConvolutionAlgorithm, pass: ConvolutionPass) -> Fit? {
        fits.first { $0.algorithm == algorithm && $0.pass == pass }
    }

    // MARK: - The file

    private struct FileFit: Codable {
        var algorithm: String?
        var pass: String?
        var coefficients: [String: Double]?
        var samples: Int?
        var rmsLogError: Double?
        var maxLogError: Double?
        var correction: FileCorrection?

        enum CodingKeys: String, CodingKey {
            case algorithm, pass, coefficients, samples, correction
            case rmsLogError = "rms_log_error", maxLogError = "max_log_error"
        }
    }

    private struct FileCorrection: Codable {
        var bandwidth: Double?
        var shrinkage: Double?
        var leaveOneOutRMS: Double?
        var residuals: [CostModelCorrection.Residual]?

        enum CodingKeys: String, CodingKey {
            case bandwidth, shrinkage, residuals
            case leaveOneOutRMS = "leave_one_out_rms"
        }
    }

    private struct File: Codable {
        var format: String?
        var version: Int?
        var created: String?
        var threads: Int?
        var source: String?
        var fits: [FileFit]?
        var fftLengths: FFTLengthCosts?

        enum CodingKeys: String, CodingKey {
            case format, version, created, threads, source, fits
            case fftLengths = "fft_lengths"
        }
    }

    /// The file's bytes (pretty-printed JSON, keys sorted).
    public func encoded() -> Data {
        let file = File(
            format: Self.format, version: Self.version, created: created, threads: threads, source: source,
            fits: fits.map { fit in
                FileFit(algorithm: fit.algorithm.rawValue, pass: fit.pass.rawValue,
                        coefficients: Dictionary(uniqueKeysWithValues: fit.coefficients.map { ($0.key.rawValue, $0.value) }),
                        samples: fit.samples, rmsLogError: fit.rmsLogError, maxLogError: fit.maxLogError,
                        correction: fit.correction.map { correction in
                            FileCorrection(bandwidth: correction.bandwidth, shrinkage: correction.shrinkage,
                                           leaveOneOutRMS: correction.leaveOneOutRMS,
                                           residuals: correction.residuals)
                        })
            },
            fftLengths: fftLengths)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // Every value is finite (checked when fitted or decoded), so encoding cannot fail.
        return (try? encoder.encode(file)) ?? Data()
    }

    /// Terms earlier versions of the model had, skipped when a file has them: `odd_transform_flops`
    /// (the FFT's transforms of odd lengths, which the FFT layout no longer chooses).
    static let retiredTerms: Set<String> = ["odd_transform_flops"]

    /// Parses a calibration file's bytes; `path` names the source in error messages.
    /// - Throws: ``SpectralConvError/invalidFormat(path:reason:)`` saying what is wrong and what was
    ///   expected: not JSON, another format or version, an unknown path, pass or term, a
    ///   coefficient that is negative or not finite, a path with no fit.
    public static func decode(_ data: Data, path: String = "<memory>") throws(SpectralConvError) -> CostModelCalibration {
        let hint = "; write a new one with `spectralconv bench sweep --calibrate`"
        func invalid(_ reason: String) -> SpectralConvError { .invalidFormat(path: path, reason: reason + hint) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw invalid("not a cost-model calibration file: expected a JSON object with \"format\": \"\(format)\" (\(Self.shortDescription(of: error)))")
        }
        guard file.format == format else {
            throw invalid("not a cost-model calibration file: \"format\" is \(file.format.map { "'\($0)'" } ?? "missing"), expected '\(format)'")
        }
        guard file.version == version else {
            throw invalid("calibration file version \(file.version.map(String.init) ?? "missing") is not supported; expected \(version)")
        }
        guard let threads = file.threads, threads >= 1 else {
            throw invalid("\"threads\" must be a whole number of at least 1")
        }
        guard let fileFits = file.fits, !fileFits.isEmpty else { throw invalid("\"fits\" is missing or empty; expected one fit per path") }
        var fits: [Fit] = []
        for (index, entry) in fileFits.enumerated() {
            let name = "fits[\(index)]"
            guard let algorithmName = entry.algorithm, let algorithm = ConvolutionAlgorithm(rawValue: algorithmName),
                  ConvolutionAlgorithm.concrete.contains(algorithm) else {
                throw invalid("\(name): algorithm \(entry.algorithm.map { "'\($0)'" } ?? "missing"); expected one of direct, im2col, fft")
            }
            guard let passName = entry.pass, let pass = ConvolutionPass(rawValue: passName) else {
                throw invalid("\(name): pass \(entry.pass.map { "'\($0)'" } ?? "missing"); expected forward, backward_input or backward_weight")
            }
            guard !fits.contains(where: { $0.algorithm == algorithm && $0.pass == pass }) else {
                throw invalid("\(name): a second fit for \(algorithm) \(pass)")
            }
            guard let raw = entry.coefficients, !raw.isEmpty else { throw invalid("\(name): \"coefficients\" is missing or empty") }
            let allowed = CostTerm.terms(of: algorithm)
            var coefficients: ConvolutionCostModel.Coefficients = [:]
            for (key, value) in raw where !Self.retiredTerms.contains(key) {
                guard let term = CostTerm(rawValue: key), allowed.contains(term) else {
                    throw invalid("\(name): unknown term '\(key)' for \(algorithm); expected \(allowed.map(\.rawValue).joined(separator: ", "))")
                }
                guard value.isFinite, value >= 0 else {
                    throw invalid("\(name): coefficient \(key) = \(value); expected a finite value ≥ 0 (seconds per unit)")
                }
                coefficients[term] = value
            }
            guard coefficients.values.contains(where: { $0 > 0 }) else { throw invalid("\(name): every coefficient is 0") }
            let correction = try entry.correction.map { (file: FileCorrection) throws(SpectralConvError) in
                try Self.correction(file, name: "\(name).correction", fftLayout: algorithm == .fft, invalid: invalid)
            }
            fits.append(Fit(algorithm: algorithm, pass: pass, coefficients: coefficients, samples: max(0, entry.samples ?? 0),
                            rmsLogError: entry.rmsLogError ?? .nan, maxLogError: entry.maxLogError ?? .nan, correction: correction))
        }
        for algorithm in ConvolutionAlgorithm.concrete where !fits.contains(where: { $0.algorithm == algorithm && $0.pass == .forward }) {
            throw invalid("no forward fit for \(algorithm); expected forward fits of direct, im2col and fft")
        }
        return CostModelCalibration(fits: fits, threads: threads, created: file.created ?? "", source: file.source ?? "",
                                    fftLengths: file.fftLengths)
    }

    /// A fit's `correction` object, checked.
    private static func correction(
        _ file: FileCorrection, name: String, fftLayout: Bool, invalid: (String) -> SpectralConvError
    ) throws(SpectralConvError) -> CostModelCorrection {
        guard let bandwidth = file.bandwidth, bandwidth.isFinite, bandwidth > 0 else {
            throw invalid("\(name): bandwidth \(file.bandwidth.map { "\($0)" } ?? "missing"); expected a positive number")
        }
        guard let shrinkage = file.shrinkage, shrinkage.isFinite, shrinkage >= 0 else {
            throw invalid("\(name): shrinkage \(file.shrinkage.map { "\($0)" } ?? "missing"); expected a number ≥ 0")
        }
        guard let residuals = file.residuals, !residuals.isEmpty else { throw invalid("\(name): \"residuals\" is missing or empty") }
        for (index, residual) in residuals.enumerated() {
            guard residual.logRatio.isFinite, residual.layer.isValid else {
                throw invalid("\(name).residuals[\(index)]: expected a finite log_ratio and a layer of positive sizes")
            }
        }
        return CostModelCorrection(bandwidth: bandwidth, shrinkage: shrinkage,
                                   residuals: residuals,
                                   fftLayout: fftLayout, leaveOneOutRMS: file.leaveOneOutRMS)
    }

    /// Reads a calibration file.
    /// - Throws: ``SpectralConvError/io(path:reason:)`` when it cannot be read,
    ///   ``SpectralConvError/invalidFormat(path:reason:)`` when it is not a valid calibration.
    public static func load(from path: String) throws(SpectralConvError) -> CostModelCalibration {
        try decode(Data(try NPY.readFile(path)), path: path)
    }

    /// Writes the file atomically (temporary file + rename), creating its folder if needed.
    /// - Throws: ``SpectralConvError/io(path:reason:)``.
    public func save(to path: String) throws(SpectralConvError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try CacheDirectory(url: folder).ensureExists()
        try NPY.writeFileAtomically(Array(encoded()), to: path)
    }

    /// The first line of a decoding error, without Swift's type names.
    static func shortDescription(of error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            return "invalid value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context): return "invalid JSON: " + (context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "wrong type at '\(key)': \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

extension ConvolutionCostModel {
    /// The calibration file in the default cache folder (``CacheDirectory/calibrationFile``) when
    /// there is a readable, valid one; the documented ``default`` otherwise. Read once per process,
    /// the first time it is used. A damaged file is ignored here (there is no caller to tell); the
    /// command-line tools read it through ``load(calibrationFile:)`` and report it.
    public static let calibratedOrDefault: ConvolutionCostModel = {
        let path = CacheDirectory.default().calibrationFile.path
        guard let calibration = try? CostModelCalibration.load(from: path) else { return .default }
        return ConvolutionCostModel(calibration: calibration)
    }()

    /// The model a command uses: the named calibration file (which must exist and be valid); with
    /// no name, the default cache folder's calibration file when it exists (it must then be valid)
    /// and the documented default otherwise. Returns the model and the file it came from (nil for
    /// the default).
    /// - Throws: ``SpectralConvError`` when a file that is used cannot be read or is not a valid
    ///   calibration (the message names the file and how to replace it).
    public static func load(calibrationFile: String?, cache: CacheDirectory = .default()) throws(SpectralConvError) -> (model: ConvolutionCostModel, file: String?) {
        let path = calibrationFile ?? cache.calibrationFile.path
        guard calibrationFile != nil || FileManager.default.fileExists(atPath: path) else { return (.default, nil) }
        return (ConvolutionCostModel(calibration: try CostModelCalibration.load(from: path)), path)
    }
}
