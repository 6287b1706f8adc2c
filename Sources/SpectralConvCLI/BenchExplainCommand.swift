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

    @OptionGroup var shape: LayerShapeOptions

    @Option(help: "Timed runs per path.")
    var repeats: Int = 10

    @Flag(help: "Also explain the input and weight gradients.")
    var backward = false

    @Flag(help: "Predictions only; do not time the paths.")
    var noMeasure = false

    @OptionGroup var costModel: CostModelOptions

    @OptionGroup var fft: FFTPlanningOptions

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        let (model, modelName) = try costModel.load()
        let benchmark = LayerBenchmark.Configuration(
            batch: shape.batch, inChannels: shape.inChannels, outChannels: shape.outChannels,
            size: try shape.sizePair(), kernel: try shape.kernelPair(),
            options: try shape.options(), oneDimensional: shape.oneDimensional,
            threads: shape.threadCount, repeats: repeats, costModel: model)
        let geometry = try benchmark.geometry()
        try fft.loadWisdom()
        let explanation = try LayerExplanation.explain(
            geometry: geometry, model: model, threads: benchmark.threads, backward: backward, measure: !noMeasure,
            repeats: repeats, seed: shape.seed, fftRigor: try fft.parsedRigor())
        try fft.saveWisdom()
        print(explanation.text(modelName: modelName), terminator: "")
    }
}
