import ArgumentParser
import Foundation
import SpectralConv

/// `spectralconv bench explain`: which path `auto` picks on one layer and why (see ``LayerExplanation``).
struct BenchExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say which algorithm auto picks on one layer and why: predicted time per path, measured times, and whether the prediction was right.",
        discussion: """
            The layer options are those of `bench layer`. Predictions come from the calibration \
            named by --calibration, else the cache folder's calibration.json, else the documented \
            default model; each is shown term by term (flops, copies, per-call cost). Then every \
            concrete path is timed (warm-up, then --repeats calls; skip with --no-measure).
            """
    )

    @Option(help: "Batch size N.")
    var batch: Int

    @Option(help: "Input channels C.")
    var inChannels: Int

    @Option(help: "Output channels O.")
    var outChannels: Int

    @Option(help: "Input size: H or HxW (1-D: L).")
    var size: String

    @Option(help: "Kernel size: K or KHxKW (1-D: K).")
    var kernel: String

    @OptionGroup var layer: ConvolutionHyperparameterOptions

    @Option(help: "Threads (default: every active core).")
    var threads: Int?

    @Option(help: "Timed runs per path.")
    var repeats: Int = 10

    @Option(help: "Seed of the random input (the weight uses seed + 1).")
    var seed: UInt64 = 42

    @Flag(help: "A 1-D convolution (NCL input, OIL weight).")
    var oneDimensional = false

    @Flag(help: "Also explain the input and weight gradients.")
    var backward = false

    @Flag(help: "Predictions only; do not time the paths.")
    var noMeasure = false

    @OptionGroup var costModel: CostModelOptions

    @OptionGroup var fft: FFTPlanningOptions

    func validate() throws {
        for (name, value) in [("--batch", batch), ("--in-channels", inChannels), ("--out-channels", outChannels),
                              ("--repeats", repeats)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let (model, modelName) = try costModel.load()
        let benchmark = LayerBenchmark.Configuration(
            batch: batch, inChannels: inChannels, outChannels: outChannels,
            size: try SpatialPair(parsing: size, name: "size", oneDimensional: oneDimensional),
            kernel: try SpatialPair(parsing: kernel, name: "kernel", oneDimensional: oneDimensional),
            options: try layer.options(oneDimensional: oneDimensional), oneDimensional: oneDimensional,
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, repeats: repeats, costModel: model)
        let geometry = try benchmark.geometry()
        try fft.loadWisdom()
        let explanation = try LayerExplanation.explain(
            geometry: geometry, model: model, threads: benchmark.threads, backward: backward, measure: !noMeasure,
            repeats: repeats, seed: seed, fftRigor: try fft.parsedRigor())
        try fft.saveWisdom()
        print(explanation.text(modelName: modelName), terminator: "")
    }
}
