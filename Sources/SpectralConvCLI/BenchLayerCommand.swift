import ArgumentParser
import Foundation
import SpectralConv

/// `spectralconv bench layer`: times the convolution paths on one layer (see ``LayerBenchmark``).
struct BenchLayerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer",
        abstract: "Time each algorithm on one convolution layer with random Float data.",
        discussion: """
            Each algorithm is warmed up (plans and workspaces built), then timed --repeats times. \
            Reports min/median ms, GFLOP/s of useful work, the largest difference from the direct \
            path (or the Double reference; see --baseline), the winner, and OpenBLAS sgemm GFLOP/s \
            on a 1024^3 product in the same process.
            """
    )

    @OptionGroup var shape: LayerShapeOptions

    @Option(help: "Comma-separated algorithms: direct, im2col, fft, auto, autotune (times the paths once per shape during the warm-up and caches the choice).")
    var algorithms: String = "direct,im2col,fft,auto"

    @Option(help: "Timed runs per algorithm.")
    var repeats: Int = 10

    @Option(help: "Accuracy baseline: automatic, direct or reference (Double).")
    var baseline: String = "automatic"

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Also time the input and weight gradients (forward + backward = one training step of the layer).")
    var backward = false

    @OptionGroup var fft: FFTPlanningOptions

    @OptionGroup var costModel: CostModelOptions

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        guard let baselineKind = LayerBenchmark.Baseline(rawValue: baseline.lowercased()) else {
            throw SpectralConvError.invalidArgument("unknown baseline '\(baseline)'; expected automatic, direct or reference")
        }
        let configuration = LayerBenchmark.Configuration(
            batch: shape.batch, inChannels: shape.inChannels, outChannels: shape.outChannels,
            size: try shape.sizePair(), kernel: try shape.kernelPair(),
            options: try shape.options(),
            oneDimensional: shape.oneDimensional,
            algorithms: try ConvolutionAlgorithm.parseList(algorithms),
            threads: shape.threadCount,
            repeats: repeats, seed: shape.seed, baseline: baselineKind, fftRigor: try fft.parsedRigor(), backward: backward,
            costModel: try costModel.load().model)
        try fft.loadWisdom()
        let report = try LayerBenchmark.run(configuration)
        try fft.saveWisdom()
        if json {
            print(try report.jsonString())
        } else {
            printTable(report, geometry: try configuration.geometry())
        }
    }

    private func printTable(_ report: LayerBenchmarkReport, geometry: ConvolutionGeometry) {
        let config = report.config
        print("layer: \(geometry)")
        print(String(format: "useful work %.3f GFLOP, float32, threads %d, repeats %d, FFT planning %@", config.usefulFlops / 1e9, config.threads, config.repeats, config.fftRigor))
        let environment = config.openblasEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let n = config.sgemmReferenceSize
        print(String(format: "OpenBLAS sgemm %dx%dx%d: %.1f GFLOP/s", n, n, n, report.sgemmReferenceGflops)
            + (environment.isEmpty ? "" : " (\(environment.joined(separator: " ")))"))
        let baselineName = config.diffBaseline == .direct ? "direct" : "Double reference"
        let header = ["algorithm", "median ms", "min ms", "GFLOP/s", "% sgemm", "max|diff| vs \(baselineName)"]
        var rows: [[String]] = [header]
        for result in report.results {
            rows.append([
                result.chose.map { "\(result.algorithm)→\($0)" } ?? result.algorithm,
                String(format: "%.3f", result.medianMs),
                String(format: "%.3f", result.minMs),
                String(format: "%.1f", result.gflops),
                String(format: "%.0f%%", report.sgemmReferenceGflops > 0 ? 100 * result.gflops / report.sgemmReferenceGflops : 0),
                String(format: "%.3g", result.maxAbsDiffVsDirect),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(row.indices.map { column in
                let cell = row[column], pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  "))
        }
        print("winner: \(report.winner)")
        if config.backward { printBackwardTable(report) }
    }

    private func printBackwardTable(_ report: LayerBenchmarkReport) {
        print("backward (input gradient, weight gradient; step = forward + both):")
        let header = ["algorithm", "dx median ms", "dx min ms", "dw median ms", "dw min ms", "step ms", "max|ddx|", "max|ddw|"]
        var rows: [[String]] = [header]
        func format(_ value: Double?, _ pattern: String = "%.3f") -> String { value.map { String(format: pattern, $0) } ?? "-" }
        for result in report.results {
            let name = result.algorithm == "auto" || result.algorithm == "autotune"
                ? "\(result.algorithm)→\(result.choseBackwardInput ?? "?")/\(result.choseBackwardWeight ?? "?")" : result.algorithm
            rows.append([
                name, format(result.backwardInputMedianMs), format(result.backwardInputMinMs),
                format(result.backwardWeightMedianMs), format(result.backwardWeightMinMs), format(result.stepMedianMs),
                format(result.backwardInputMaxAbsDiff, "%.3g"), format(result.backwardWeightMaxAbsDiff, "%.3g"),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(row.indices.map { column in
                let cell = row[column], pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  "))
        }
        print("backward winner (step): \(report.backwardWinner ?? "-")")
    }
}
