import ArgumentParser
import Foundation
import SpectralConv

/// The options that describe one benchmarked layer, shared by `bench layer` and `bench explain`:
/// shapes, hyperparameters, threads, the random data's seed, and 1-D or 2-D.
struct LayerShapeOptions: ParsableArguments {
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

    @Option(help: "Seed of the random input (the weight uses seed + 1).")
    var seed: UInt64 = 42

    @Flag(help: "A 1-D convolution (NCL input, OIL weight).")
    var oneDimensional = false

    func validate() throws {
        for (name, value) in [("--batch", batch), ("--in-channels", inChannels), ("--out-channels", outChannels)] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The parsed input size.
    func sizePair() throws(SpectralConvError) -> SpatialPair {
        try SpatialPair(parsing: size, name: "size", oneDimensional: oneDimensional)
    }

    /// The parsed kernel size.
    func kernelPair() throws(SpectralConvError) -> SpatialPair {
        try SpatialPair(parsing: kernel, name: "kernel", oneDimensional: oneDimensional)
    }

    /// The parsed stride, padding, dilation and groups.
    func options() throws(SpectralConvError) -> ConvolutionOptions {
        try layer.options(oneDimensional: oneDimensional)
    }

    /// `--threads`, or every active core.
    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}
