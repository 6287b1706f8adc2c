import Testing
@testable import SpectralConv

/// The FFT path against the Float64 definition (``ReferenceConvolution``) on uniform random
/// operands: in Double to 1e-12 and in Float to 1e-5 of the result's largest magnitude — the check
/// every FFT test suite makes on its own geometries.
enum FFTDefinitionCheck {
    /// Runs the check for `input`/`weight` shapes and `options` on `engine`; returns the Double
    /// operands for further checks.
    @discardableResult
    static func expectMatches(
        engine: ConvolutionEngine, input: [Int], weight: [Int], options: ConvolutionOptions, seeds: (UInt64, UInt64),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (x: Tensor<Double>, w: Tensor<Double>) {
        let x = Tensor<Double>.uniform(shape: input, seed: seeds.0)
        let w = Tensor<Double>.uniform(shape: weight, seed: seeds.1)
        let reference = try ReferenceConvolution.forward(input: x, weight: w, options: options)
        let single = try engine.forward(input: x.converted(to: Float.self), weight: w.converted(to: Float.self), options: options, algorithm: .fft)
        let double = try engine.forward(input: x, weight: w, options: options, algorithm: .fft)
        let scale = reference.maxMagnitude
        #expect(single.converted(to: Double.self).maxAbsoluteDifference(from: reference) / scale <= 1e-5, sourceLocation: sourceLocation)
        #expect(double.maxAbsoluteDifference(from: reference) / scale <= 1e-12, sourceLocation: sourceLocation)
        return (x, w)
    }
}
