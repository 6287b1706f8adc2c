import Foundation
import ArgumentParser
import SpectralConv

/// `spectralconv conv`: one convolution of .npy tensors, written to a .npy file.
struct ConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Convolve an NCHW (or NCL) .npy input with an OIHW (or OIL) .npy weight.",
        discussion: """
            The input's dtype (float32 or float64) is the precision of the computation and of the \
            output; the weight and bias are converted to it. Prints one summary line.
            """
    )

    @Option(help: "Input .npy: [N, C, H, W] or [N, C, L].")
    var input: String

    @Option(help: "Weight .npy: [O, C/groups, kH, kW] or [O, C/groups, K].")
    var weight: String

    @Option(help: "Bias .npy: [O].")
    var bias: String?

    @OptionGroup var layer: ConvolutionHyperparameterOptions

    @Option(help: "direct, im2col, fft, auto or autotune (times the paths on this shape once and caches the choice per machine).")
    var algorithm: String = "auto"

    @Option(help: "Threads (default: every active core).")
    var threads: Int?

    @Option(help: "Output .npy path (written atomically).")
    var output: String

    @OptionGroup var fft: FFTPlanningOptions

    @OptionGroup var costModel: CostModelOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        switch try NPY.read(contentsOf: input) {
        case .float32(let x): try convolve(x)
        case .float64(let x): try convolve(x)
        }
    }

    private func convolve<S: TensorScalar>(_ x: Tensor<S>) throws(SpectralConvError) {
        let dtype = NPYDataType.of(S.self)
        let weightArray = try NPY.read(contentsOf: weight)
        let w = weightArray.tensor(as: S.self)
        let biasArray = try bias.map { (path) throws(SpectralConvError) in try NPY.read(contentsOf: path) }
        let b = biasArray?.tensor(as: S.self)
        let options = try layer.options(oneDimensional: x.rank == 3)
        let requested = try ConvolutionAlgorithm(parsing: algorithm)
        let engine = try ConvolutionEngine(threads: threads, fftRigor: try fft.parsedRigor(), costModel: try costModel.load().model)
        try fft.loadWisdom()
        let geometry = try ConvolutionGeometry(inputShape: x.shape, weightShape: w.shape, options: options)
        try geometry.checkFitsInMemory(scalarSize: MemoryLayout<S>.size)
        let clock = ContinuousClock()
        // autotune: the first time this shape is met, the paths are timed here (on scratch data).
        let tuned = requested == .autotune && engine.autotuner.cachedChoice(for: engine.autotuneKey(for: geometry, precision: S.precision)) == nil
        let tuningStart = clock.now
        let used = try engine.resolve(requested, for: geometry, scalar: S.self)
        let tuning = TimingSummary.milliseconds(clock.now - tuningStart)

        let start = clock.now
        let y = try engine.forward(input: x, weight: w, bias: b, geometry: geometry, algorithm: used)
        let elapsed = TimingSummary.milliseconds(clock.now - start)
        try NPY.write(y, to: output)
        try fft.saveWisdom()

        var converted: [String] = []
        if weightArray.dataType != dtype { converted.append("weight") }
        if let biasArray, biasArray.dataType != dtype { converted.append("bias") }
        let note = converted.isEmpty ? "" : " (\(converted.joined(separator: ", ")) converted to \(dtype))"
        let algorithmText: String
        switch requested {
        case .auto: algorithmText = "auto→\(used)"
        case .autotune: algorithmText = "autotune→\(used) (" + (tuned ? String(format: "tuned in %.0f ms", tuning) : "cached") + ")"
        default: algorithmText = used.rawValue
        }
        let g = geometry
        let hyper = g.isOneDimensional
            ? "stride \(g.stride.width) pad \(g.padLeft),\(g.padRight) dilation \(g.dilation.width)"
            : "stride \(g.stride) pad \(g.padTop),\(g.padBottom),\(g.padLeft),\(g.padRight) dilation \(g.dilation)"
        print("conv: input \(x.shape) \(dtype) * weight \(w.shape)\(b == nil ? "" : " + bias") -> \(y.shape)"
            + " | \(hyper) groups \(geometry.groups) | \(algorithmText), threads \(engine.threads),"
            + " \(String(format: "%.3f", elapsed)) ms | wrote \(output)\(note)")
    }
}
