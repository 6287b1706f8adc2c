import ArgumentParser
import Foundation
import SpectralAnalysis
import SpectralConv

/// `spectralconv npy`: small tools for the .npy files the other commands read and write.
struct NPYCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "npy",
        abstract: "Create, describe and compare NumPy .npy arrays.",
        subcommands: [NPYRandomCommand.self, NPYInfoCommand.self, NPYCompareCommand.self, NPYKernelCommand.self]
    )
}

/// `spectralconv npy random`: a reproducible array of uniform samples.
struct NPYRandomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random", abstract: "Write an array of uniform random samples in [low, high] (SplitMix64, seeded).")

    @Option(help: "Shape, extents joined by x: e.g. 8x3x32x32.")
    var shape: String

    @Option(help: "Seed: the same seed gives the same array.")
    var seed: UInt64 = 0

    @Option(help: "Lower bound.")
    var low: Double = -1

    @Option(help: "Upper bound.")
    var high: Double = 1

    @Option(help: "float32 or float64.")
    var dtype: String = "float32"

    @Option(help: "Output .npy path (written atomically).")
    var output: String

    func run() throws {
        let extents = try parseShape(shape)
        guard low <= high, low.isFinite, high.isFinite else {
            throw SpectralConvError.invalidArgument("--low \(low) and --high \(high) must be finite with low ≤ high")
        }
        switch dtype.lowercased() {
        case "float32", "f4", "<f4":
            try NPY.write(Tensor<Float>.uniform(shape: extents, in: Float(low)...Float(high), seed: seed), to: output)
        case "float64", "f8", "<f8":
            try NPY.write(Tensor<Double>.uniform(shape: extents, in: low...high, seed: seed), to: output)
        default:
            throw SpectralConvError.invalidArgument("unknown dtype '\(dtype)'; expected float32 or float64")
        }
        print("wrote \(output): \(dtype.lowercased().hasSuffix("8") ? "float64" : "float32") \(extents)")
    }

    private func parseShape(_ text: String) throws(SpectralConvError) -> [Int] {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        var extents: [Int] = []
        for part in parts {
            guard let value = Int(part), value >= 1 else {
                throw .invalidArgument("shape '\(text)' is not positive integers joined by x (e.g. 8x3x32x32)")
            }
            extents.append(value)
        }
        let count = extents.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= 1 << 31 else { throw .invalidArgument("shape '\(text)' has more than 2^31 elements") }
        return extents
    }
}

/// `spectralconv npy kernel`: the weights of one kernel spec (a preset, a literal, …) as a .npy
/// array, so that the exact kernel `spectrum` and `filter` use can be fed to `conv` or NumPy.
struct NPYKernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Write one kernel's weights ([kH, kW], or [K] for 1-D) as a .npy array.",
        discussion: "KERNEL as for `spectralconv spectrum` (a preset such as gaussian:9:2 or sobel-x, a literal, FILE.npy or FILE.safetensors:TENSOR), naming exactly one kernel. The weights are those of convolution orientation, as `spectrum` and `filter` use them; `conv` correlates, so flip both axes to filter the same way there.")

    @Argument(help: "The kernel: a preset, a literal matrix, FILE.npy or FILE.safetensors:TENSOR (one kernel).")
    var kernel: String

    @Option(help: "float32 or float64.")
    var dtype: String = "float32"

    @Option(help: "Output .npy path (written atomically).")
    var output: String

    func run() throws {
        let kernels = try KernelSpecification.parse(kernel)
        guard kernels.count == 1, let first = kernels.first else {
            throw SpectralConvError.invalidArgument("'\(kernel)' names \(kernels.count) kernels; expected exactly one")
        }
        let weights = try first.weights.reshaped(first.reportedShape)
        switch dtype.lowercased() {
        case "float32", "f4", "<f4": try NPY.write(weights.converted(to: Float.self), to: output)
        case "float64", "f8", "<f8": try NPY.write(weights, to: output)
        default: throw SpectralConvError.invalidArgument("unknown dtype '\(dtype)'; expected float32 or float64")
        }
        print("wrote \(output): \(first.name) \(first.reportedShape)")
    }
}

/// `spectralconv npy info`: dtype, shape and value range of an array.
struct NPYInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print an array's dtype, shape and value range.")

    @Argument(help: "The .npy file.")
    var file: String

    func run() throws {
        let array = try NPY.read(contentsOf: file)
        let values = array.tensor(as: Double.self).scalars
        let low = values.min() ?? 0, high = values.max() ?? 0
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        print("\(file): \(array.dataType) \(array.shape), min \(low), max \(high), mean \(mean)")
    }
}

/// `spectralconv npy compare`: how far two arrays of the same shape are apart.
struct NPYCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print max |a − b| and the relative error max |a − b| / max |b|.",
        discussion: "With --tolerance, exits with status 1 when the relative error exceeds it.")

    @Argument(help: "The array to check.")
    var a: String

    @Argument(help: "The reference array.")
    var b: String

    @Option(help: "Largest acceptable relative error.")
    var tolerance: Double?

    func run() throws {
        let x = try NPY.read(contentsOf: a).tensor(as: Double.self)
        let y = try NPY.read(contentsOf: b).tensor(as: Double.self)
        guard x.shape == y.shape else {
            throw SpectralConvError.invalidShape("\(a) has shape \(x.shape) but \(b) has \(y.shape); expected equal shapes")
        }
        let difference = x.maxAbsoluteDifference(from: y)
        let scale = y.maxMagnitude
        let relative = scale > 0 ? difference / scale : difference
        print(String(format: "max |a − b| = %.3g, max |b| = %.3g, relative %.3g", difference, scale, relative))
        if let tolerance, !(relative <= tolerance) {
            StandardError.fail(String(format: "relative error %.3g exceeds the tolerance %.3g", relative, tolerance))
        }
    }
}
