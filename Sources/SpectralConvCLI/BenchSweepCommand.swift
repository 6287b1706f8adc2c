import ArgumentParser
import Foundation
import SpectralConv

/// `spectralconv bench sweep`: every algorithm on a grid of square layers (see ``SweepBenchmark``),
/// a table, CSV/JSON/SVG files, the acceptance summary, and optionally a calibrated cost model.
struct BenchSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Time every algorithm on a kernel size x input size x channels grid; map the crossover; calibrate auto.",
        discussion: """
            Layers: input [batch, C, n, n], weight [C, C, k, k] (C = O), stride 1, padding same by \
            default (output n x n; with --padding valid a kernel larger than the input is skipped). \
            Each path: one warm-up call (plans and workspaces built), then --repeats timed calls \
            (up to 4x as many for paths within 25% of the fastest); median and min reported. A path the cost model predicts to take longer than --budget \
            seconds per call is skipped and marked so. Prints the table and a summary (auto's \
            choices against the fastest path: the issue-6 acceptance fractions, and where they \
            missed). --calibrate first times FFTW's transforms per length (as bench fft-lengths; \
            the FFT layouts of the sweep and of every later user of the calibration follow them), \
            then fits the cost model to this sweep's measurements (its default grid adds kernels 2 \
            and 4) and keeps what the fitted terms still get wrong as a local correction for \
            nearby layers; verify it on another sweep with --calibration FILE.
            """
    )

    @Option(help: ArgumentHelp("Kernel sizes k (k x k), comma-separated (default: \(Self.list(SweepBenchmark.Configuration.defaultKernels)); with --calibrate: \(Self.list(SweepBenchmark.Configuration.calibrationKernels))).", valueName: "kernels"))
    var kernels: String?

    @Option(help: "Input sizes n (n x n), comma-separated.")
    var sizes: String = Self.list(SweepBenchmark.Configuration.defaultSizes)

    @Option(help: "Channel counts (C = O), comma-separated.")
    var channels: String = Self.list(SweepBenchmark.Configuration.defaultChannels)

    @Option(help: "Batch size N.")
    var batch: Int = 1

    @Option(help: "Threads (default: every active core).")
    var threads: Int?

    @Option(help: "Comma-separated algorithms: direct, im2col, fft, auto, autotune.")
    var algorithms: String = "direct,im2col,fft,auto"

    @Option(help: "Padding of every layer: same (output n x n) or valid (kernels larger than the input are skipped), or explicit.")
    var padding: String = "same"

    @Flag(help: "Also time the input and weight gradients.")
    var backward = false

    @Option(help: "Timed calls per measurement (fewer for paths that would overrun the budget, up to 4x more for near ties).")
    var repeats: Int = 5

    @Option(help: "Seconds one call may be predicted to take; paths predicted slower are skipped.")
    var budget: Double = 2

    @Option(help: "Seed of the random input (weight: seed + 1).")
    var seed: UInt64 = 42

    @Option(help: "Write one CSV row per configuration x algorithm (atomically).")
    var csv: String?

    @Option(help: "Write the report as JSON (atomically).")
    var json: String?

    @Option(help: "Write the crossover map as SVG (atomically).")
    var svg: String?

    @Option(help: ArgumentHelp("Fit the cost model to this sweep and write the calibration (JSON, atomically); 'default' writes the cache folder's calibration.json, which auto then uses.", valueName: "file|default"))
    var calibrate: String?

    @Flag(help: "Print only the summary, not the table.")
    var summaryOnly = false

    @Option(help: ArgumentHelp("Measure nothing: read sweeps written by --json instead. The first one is printed and written as CSV/JSON/SVG; --calibrate pools them all (e.g. batch 1 and batch 8).", valueName: "file"))
    var from: [String] = []

    @OptionGroup var costModel: CostModelOptions

    @OptionGroup var fft: FFTPlanningOptions

    func validate() throws {
        for (name, value) in [("--batch", batch), ("--repeats", repeats)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if !(budget > 0) || !budget.isFinite { throw ValidationError("--budget must be a positive number of seconds, got \(budget)") }
    }

    func run() throws {
        let calibrationPath = calibrate.map { $0.lowercased() == "default" ? CacheDirectory.default().calibrationFile.path : $0 }
        let reports = from.isEmpty ? [try measure(checkingCalibration: calibrationPath != nil)] : try from.map { path throws(SpectralConvError) in
            try SweepReport.decode(Data(try Self.readFile(path)), path: path)
        }
        let report = reports[0]
        if let csv { try SweepReport.write(report.csv(), to: csv) }
        if let json { try SweepReport.write(try report.jsonString(pretty: true) + "\n", to: json) }
        if let svg { try SweepReport.write(CrossoverMap(report: report).svg(), to: svg) }
        if !summaryOnly { print(report.table(), terminator: "") }
        print(report.summaryText(), terminator: "")
        if !from.isEmpty, costModel.calibration != nil {
            // Judge the named model's choices on the saved measurements.
            let (model, name) = try costModel.load()
            if let quality = SweepSummary.judge(model, on: report, name: name) {
                print(SweepSummary.line(quality, label: "cost model \(name), choices on these measurements"))
                for line in SweepSummary.missLines(quality) { print(line) }
            }
        }
        if let calibrationPath {
            let calibration = try CostModelCalibration.fit(to: reports)
            try calibration.save(to: calibrationPath)
            print("calibration written to \(calibrationPath):")
            for fit in calibration.fits {
                var line = String(format: "  %@ %@: %d measurements, rms ln error %.3f, max %.3f", fit.algorithm.rawValue, fit.pass.rawValue,
                                  fit.samples, fit.rmsLogError, fit.maxLogError)
                if let correction = fit.correction, let loo = correction.leaveOneOutRMS {
                    line += String(format: "; local correction (bandwidth %.1f, shrinkage %.1f): leave-one-out rms %.3f",
                                   correction.bandwidth, correction.shrinkage, loo)
                } else {
                    line += "; no local correction (it did not predict left-out measurements better)"
                }
                print(line)
            }
            if let quality = SweepSummary.judge(ConvolutionCostModel(calibration: calibration), on: report, name: "calibrated") {
                print(SweepSummary.line(quality, label: "in-sample (the calibrated model's choices on the measurements it was fitted to)"))
                for line in SweepSummary.missLines(quality) { print(line) }
            }
            print("verify it on another sweep: spectralconv bench sweep --calibration \(calibrationPath) [other kernels, sizes or batch]")
        }
    }

    /// Runs the sweep the options describe.
    private func measure(checkingCalibration: Bool) throws -> SweepReport {
        let (model, modelName) = try costModel.load()
        var configuration = SweepBenchmark.Configuration(
            kernels: try kernels.map { text throws(SpectralConvError) in try Self.parseList(text, name: "--kernels") }
                ?? (checkingCalibration ? SweepBenchmark.Configuration.calibrationKernels : SweepBenchmark.Configuration.defaultKernels),
            sizes: try Self.parseList(sizes, name: "--sizes"),
            channels: try Self.parseList(channels, name: "--channels"),
            batch: batch, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            algorithms: try ConvolutionAlgorithm.parseList(algorithms),
            padding: try Padding(parsing: padding), backward: backward, repeats: repeats, budget: budget, seed: seed,
            fftRigor: try fft.parsedRigor(), costModel: model, costModelName: modelName)
        try configuration.validate()
        if checkingCalibration {
            for algorithm in ConvolutionAlgorithm.concrete where !configuration.algorithms.contains(algorithm) {
                throw SpectralConvError.invalidArgument("--calibrate needs every concrete path measured; --algorithms lacks \(algorithm)")
            }
        }
        try fft.loadWisdom()
        if checkingCalibration {
            // The calibration's FFT layouts (and this sweep's) weight transform lengths by their
            // measured cost under the plans this rigor makes.
            let started = Date()
            let (rigor, longest) = (try fft.parsedRigor(), configuration.longestTransform)
            let costs = try FFTLengthCosts.measure(maximumLength: longest, rigor: rigor)
            configuration.costModel.fftLengthCosts = costs
            print(String(format: "measured FFT transform costs: %d even lengths up to %d, %@ plans, %.1f s",
                         costs.batched.square.count, longest, rigor.rawValue, Date().timeIntervalSince(started)))
        }
        let progress = SweepProgress()
        let report = try SweepBenchmark.run(configuration) { progress.update($0) }
        progress.finish()
        try fft.saveWisdom()
        return report
    }

    /// The bytes of `path`.
    static func readFile(_ path: String) throws(SpectralConvError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, reason: "cannot read the sweep report (missing or unreadable)")
        }
        return Array(data)
    }

    /// `1,3,5`.
    static func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }

    /// Parses `1,3,5` into positive integers.
    static func parseList(_ text: String, name: String) throws(SpectralConvError) -> [Int] {
        var values: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let value = Int(trimmed), value >= 1 else {
                throw .invalidArgument("\(name) '\(text)': '\(trimmed)' is not a whole number of at least 1; expected e.g. 1,3,5")
            }
            if !values.contains(value) { values.append(value) }
        }
        guard !values.isEmpty else { throw .invalidArgument("\(name) '\(text)' is empty; expected comma-separated whole numbers") }
        return values
    }
}
