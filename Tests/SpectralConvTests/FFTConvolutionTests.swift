import Foundation
import Testing
import SpectralConv

/// The FFT path's own behaviour: agreement with the Float64 definition on the geometries where its
/// decomposition (polyphase stride, dilated kernels, overlap-save tiles) does something, plan
/// caching, and wisdom files. Cross-path agreement on random geometries lives in the path-agreement tests.
@Suite struct FFTConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let input: [Int]
        let weight: [Int]
        let options: ConvolutionOptions
        var testDescription: String { "x\(input) w\(weight) \(options.stride)/\(options.padding)/\(options.dilation)/g\(options.groups)" }
    }

    static let cases: [Case] = [
        Case(input: [2, 3, 9, 11], weight: [4, 3, 3, 3], options: .init()),
        Case(input: [1, 2, 17, 13], weight: [3, 2, 4, 2], options: .init(stride: 2, padding: .same)),
        Case(input: [2, 4, 15, 16], weight: [4, 2, 3, 3], options: .init(stride: SpatialPair(height: 3, width: 2), padding: .symmetric(2), groups: 2)),
        Case(input: [1, 3, 14, 14], weight: [6, 1, 3, 3], options: .init(dilation: 2, groups: 3)),
        Case(input: [1, 2, 12, 12], weight: [2, 2, 3, 3], options: .init(stride: 2, padding: .explicit(top: 0, bottom: 4, left: 5, right: 1), dilation: 3)),
        Case(input: [1, 1, 150, 140], weight: [1, 1, 3, 3], options: .init(padding: .full)),
        Case(input: [2, 2, 90, 90], weight: [3, 2, 5, 5], options: .init(padding: .same)),
        Case(input: [3, 2, 40], weight: [4, 2, 5], options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 3, right: 1), dilation: 2)),
        Case(input: [1, 1, 1000], weight: [1, 1, 7], options: .init()),
        Case(input: [1, 2, 6, 7], weight: [3, 2, 6, 7], options: .init()),
    ]

    @Test(arguments: cases)
    func matchesDoubleDefinition(_ c: Case) throws {
        let engine = try ConvolutionEngine(threads: 2)
        let x = Tensor<Double>.uniform(shape: c.input, seed: 1)
        let w = Tensor<Double>.uniform(shape: c.weight, seed: 2)
        let reference = try ReferenceConvolution.forward(input: x, weight: w, options: c.options)
        let single = try engine.forward(input: x.converted(to: Float.self), weight: w.converted(to: Float.self), options: c.options, algorithm: .fft)
        let double = try engine.forward(input: x, weight: w, options: c.options, algorithm: .fft)
        let scale = reference.maxMagnitude
        #expect(single.converted(to: Double.self).maxAbsoluteDifference(from: reference) / scale <= 1e-5)
        #expect(double.maxAbsoluteDifference(from: reference) / scale <= 1e-12)
    }
}
