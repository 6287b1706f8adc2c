import Foundation
import SpectralConv
import Testing
import SpectralTestSupport

/// The transposed convolution by its definition (a scatter), in Double: the yardstick of the tests.
func literalTransposedConvolution(input x: Tensor<Double>, weight w: Tensor<Double>, geometry g: TransposedConvolutionGeometry) -> Tensor<Double> {
    var y = Tensor<Double>(shape: g.outputShape)
    let cg = g.inChannels / g.groups, og = g.outChannels / g.groups
    y.withUnsafeMutableBufferPointer { y in
        for n in 0..<g.batch {
            for c in 0..<g.inChannels {
                let group = c / cg
                for i in 0..<g.height {
                    for j in 0..<g.width {
                        let value = x.scalars[((n * g.inChannels + c) * g.height + i) * g.width + j]
                        for o in 0..<og {
                            for a in 0..<g.kernelHeight {
                                let row = i * g.stride.height + a * g.dilation.height - g.padTop
                                guard row >= 0 && row < g.outHeight else { continue }
                                for b in 0..<g.kernelWidth {
                                    let column = j * g.stride.width + b * g.dilation.width - g.padLeft
                                    guard column >= 0 && column < g.outWidth else { continue }
                                    y[((n * g.outChannels + group * og + o) * g.outHeight + row) * g.outWidth + column]
                                        += value * w.scalars[((c * og + o) * g.kernelHeight + a) * g.kernelWidth + b]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return y
}

struct TransposedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var inputShape: [Int]
    var weightShape: [Int]
    var options: ConvolutionOptions = .init()
    var outputPadding: SpatialPair = 0
    var hasBias = false
    var testDescription: String { "\(name): input \(inputShape) weight \(weightShape) output padding \(outputPadding)" }

    func geometry() throws(SpectralConvError) -> TransposedConvolutionGeometry {
        try TransposedConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options, outputPadding: outputPadding)
    }
}

enum TransposedCases {
    static let all: [TransposedCase] = [
        .init(name: "stride 2 padding 1 output padding 1", inputShape: [2, 3, 4, 5], weightShape: [3, 2, 3, 3],
              options: .init(stride: 2, padding: .symmetric(1)), outputPadding: 1, hasBias: true),
        .init(name: "kernel larger than the input", inputShape: [1, 2, 2, 2], weightShape: [2, 3, 5, 5], options: .init(stride: 2)),
        .init(name: "kernel larger than the input, stride 1", inputShape: [2, 1, 1, 3], weightShape: [1, 2, 4, 6], hasBias: true),
        .init(name: "stride 3x2 asymmetric padding output padding 2x1", inputShape: [1, 2, 3, 4], weightShape: [2, 2, 4, 3],
              options: .init(stride: .init(height: 3, width: 2), padding: .explicit(top: 1, bottom: 2, left: 0, right: 1)),
              outputPadding: .init(height: 2, width: 1)),
        .init(name: "dilation 2 output padding below the dilation", inputShape: [1, 2, 4, 4], weightShape: [2, 2, 3, 3],
              options: .init(padding: .symmetric(1), dilation: 2), outputPadding: 1),
        .init(name: "groups 2", inputShape: [2, 4, 3, 4], weightShape: [4, 3, 3, 2], options: .init(stride: 2, groups: 2), hasBias: true),
        .init(name: "depthwise stride 2", inputShape: [1, 3, 4, 4], weightShape: [3, 1, 4, 4], options: .init(stride: 2, padding: .symmetric(1), groups: 3)),
        .init(name: "1x1 stride 2", inputShape: [1, 3, 3, 3], weightShape: [3, 2, 1, 1], options: .init(stride: 2), outputPadding: 1),
        .init(name: "1-D stride 2 output padding 1", inputShape: [2, 2, 6], weightShape: [2, 3, 4],
              options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 1, right: 2)), outputPadding: 1, hasBias: true),
        .init(name: "1-D kernel longer than the input", inputShape: [1, 2, 2], weightShape: [2, 2, 7], options: .init(stride: 3)),
    ]
}

@Suite struct TransposedConvolutionTests {
    /// autotune is among the cases: its choices stay in memory, out of the user's cache file.
    static let engine = try! ConvolutionEngine(threads: 2, autotuner: Autotuner())

    @Test func outputSizeFollowsTheTransposedFormula() throws {
        // PyTorch: ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1) on 3×3 → 6×6.
        let g = try TransposedConvolutionGeometry(inputShape: [1, 4, 3, 3], weightShape: [4, 8, 3, 3],
                                                  options: .init(stride: 2, padding: .symmetric(1)), outputPadding: 1)
        #expect(g.outputShape == [1, 8, 6, 6])
        // The kernel may be larger than its input: 2×2 input, 5×5 kernel, stride 2 → (2−1)·2 + 4 + 1 = 7.
        let large = try TransposedConvolutionGeometry(inputShape: [1, 1, 2, 2], weightShape: [1, 1, 5, 5], options: .init(stride: 2))
        #expect(large.outputShape == [1, 1, 7, 7])
        // The equivalent forward maps the output size back to the input size.
        #expect(g.equivalentForward.outHeight == 3 && g.equivalentForward.outWidth == 3)
    }

    @Test(arguments: ConvolutionAlgorithm.allCases, TransposedCases.all)
    func forwardMatchesTheDefinition(algorithm: ConvolutionAlgorithm, testCase: TransposedCase) throws {
        let g = try testCase.geometry()
        let x = Tensor<Float>.uniform(shape: g.inputShape, seed: 1), w = Tensor<Float>.uniform(shape: g.weightShape, seed: 2)
        let bias = testCase.hasBias ? Tensor<Float>.uniform(shape: [g.outChannels], seed: 3) : nil
        var reference = literalTransposedConvolution(input: x.converted(), weight: w.converted(), geometry: g)
        if let bias {
            let plane = g.outHeight * g.outWidth
            reference.withUnsafeMutableBufferPointer { y in
                for index in y.indices { y[index] += Double(bias.scalars[(index / plane) % g.outChannels]) }
            }
        }
        let single = try Self.engine.transposedForward(input: x, weight: w, bias: bias, options: testCase.options,
                                                       outputPadding: testCase.outputPadding, algorithm: algorithm)
        expectClose(single, reference, within: Tolerance.gradientSingleVersusDoubleReference, "Float \(algorithm) \(testCase.name)")
        let double = try Self.engine.transposedForward(input: x.converted(to: Double.self), weight: w.converted(to: Double.self),
                                                       bias: bias?.converted(to: Double.self), geometry: g, algorithm: algorithm)
        expectClose(double, reference, within: Tolerance.gradientDoubleVersusDoubleReference, "Double \(algorithm) \(testCase.name)")
    }

    @Test(arguments: ConvolutionAlgorithm.allCases, TransposedCases.all)
    func centralDifferencesMatchTheGradients(algorithm: ConvolutionAlgorithm, testCase: TransposedCase) throws {
        let engine = Self.engine
        let g = try testCase.geometry()
        let x = Tensor<Double>.uniform(shape: g.inputShape, seed: 4), w = Tensor<Double>.uniform(shape: g.weightShape, seed: 5)
        let bias = testCase.hasBias ? Tensor<Double>.uniform(shape: [g.outChannels], seed: 6) : nil
        let r = Tensor<Double>.uniform(shape: g.outputShape, seed: 7)
        func loss(_ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>?) throws -> Double {
            innerProduct(try engine.transposedForward(input: x, weight: w, bias: b, geometry: g, algorithm: algorithm), r)
        }
        let dx = try engine.transposedBackwardInput(outputGradient: r, weight: w, geometry: g, algorithm: algorithm)
        let dw = try engine.transposedBackwardWeight(input: x, outputGradient: r, geometry: g, algorithm: algorithm)
        #expect(try centralDifferenceError(at: x, gradient: dx) { try loss($0, w, bias) } <= Tolerance.centralDifference, "dx \(algorithm) \(testCase.name)")
        #expect(try centralDifferenceError(at: w, gradient: dw) { try loss(x, $0, bias) } <= Tolerance.centralDifference, "dw \(algorithm) \(testCase.name)")
        if let bias {
            let db = try engine.transposedBackwardBias(outputGradient: r, geometry: g)
            #expect(try centralDifferenceError(at: bias, gradient: db) { try loss(x, w, $0) } <= Tolerance.centralDifference, "db \(testCase.name)")
        }
        // Adjoint identity: ⟨r, Tᵀ(x)⟩ = ⟨dx, x⟩.
        let y = try engine.transposedForward(input: x, weight: w, geometry: g, algorithm: algorithm)
        #expect(abs(innerProduct(r, y) - innerProduct(dx, x)) <= 1e-11 * max(1, abs(innerProduct(r, y))))
    }

    @Test(arguments: TransposedCases.all)
    func floatGradientsOfThePathsAgree(testCase: TransposedCase) throws {
        let g = try testCase.geometry()
        let x = Tensor<Float>.uniform(shape: g.inputShape, seed: 8), w = Tensor<Float>.uniform(shape: g.weightShape, seed: 9)
        let dy = Tensor<Float>.uniform(shape: g.outputShape, seed: 10)
        let dxDirect = try Self.engine.transposedBackwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: .direct)
        let dwDirect = try Self.engine.transposedBackwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: .direct)
        for algorithm in [ConvolutionAlgorithm.im2col, .fft] {
            let dx = try Self.engine.transposedBackwardInput(outputGradient: dy, weight: w, geometry: g, algorithm: algorithm)
            let dw = try Self.engine.transposedBackwardWeight(input: x, outputGradient: dy, geometry: g, algorithm: algorithm)
            expectClose(dx, dxDirect, within: Tolerance.gradientSingleVersusDoubleReference, "dx \(algorithm) \(testCase.name)")
            expectClose(dw, dwDirect, within: Tolerance.gradientSingleVersusDoubleReference, "dw \(algorithm) \(testCase.name)")
        }
    }

    @Test func invalidHyperparametersAreTypedErrors() {
        func make(_ input: [Int], _ weight: [Int], _ options: ConvolutionOptions = .init(), outputPadding: SpatialPair = 0) throws {
            _ = try TransposedConvolutionGeometry(inputShape: input, weightShape: weight, options: options, outputPadding: outputPadding)
        }
        expectError(.invalidArgument, mentioning: "output padding", "stride") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(stride: 2), outputPadding: 2) }
        expectError(.invalidArgument, mentioning: "output padding") { try make([1, 2, 4, 4], [2, 2, 3, 3], outputPadding: 1) }
        expectError(.invalidArgument, mentioning: "output padding") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(stride: 2), outputPadding: -1) }
        expectError(.invalidArgument, mentioning: "valid or explicit") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(padding: .same)) }
        expectError(.invalidArgument, mentioning: "valid or explicit") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(padding: .full)) }
        expectError(.invalidArgument, mentioning: "non-negative") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(padding: .explicit(top: -1, bottom: 0, left: 0, right: 0))) }
        expectError(.invalidShape, mentioning: "input channels") { try make([1, 3, 4, 4], [2, 2, 3, 3]) }
        expectError(.invalidArgument, mentioning: "groups") { try make([1, 3, 4, 4], [3, 2, 3, 3], .init(groups: 2)) }
        expectError(.invalidArgument, mentioning: "stride") { try make([1, 2, 4, 4], [2, 2, 3, 3], .init(stride: 0)) }
        expectError(.invalidShape, mentioning: "output") { try make([1, 2, 2, 2], [2, 2, 3, 3], .init(padding: .symmetric(3))) }
        expectError(.invalidShape, mentioning: "rank") { try make([1, 2, 4, 4], [2, 2, 3]) }
        expectError(.invalidShape, mentioning: "extent") { try make([1, 0, 4, 4], [2, 2, 3, 3]) }
        let engine = Self.engine
        expectError(.invalidShape, mentioning: "bias") {
            _ = try engine.transposedForward(input: Tensor<Float>(shape: [1, 2, 3, 3]), weight: Tensor<Float>(shape: [2, 2, 3, 3]), bias: Tensor<Float>(shape: [3]))
        }
    }
}
