import Foundation
import SpectralConv
import Testing
import SpectralTestSupport

// Gradients of the forward convolution through every path.
//
// Bounds (Tolerance): Float gradients vs the Double reference gradient ≤ 2e-5, Double ≤ 1e-11
// (relative, max norm); Float64 central differences ≤ 1e-8 relative.
// Largest errors observed (release, -target-cpu haswell -DSPECTRALCONV_FMA; SPECTRALCONV_PRINT_ERRORS=1
// prints every case):
//
//   path     Float dx / dw vs reference   Double dx / dw       central difference dx / dw
//   direct   4.6e-7 / 3.1e-6              0 / 0                1.6e-12 / 2.8e-12
//   im2col   3.3e-7 / 5.7e-7              1.1e-15 / 4.8e-15    1.6e-12 / 2.8e-12
//   fft      2.2e-7 / 3.5e-7              7.2e-16 / 4.6e-15    2.8e-12 / 2.1e-12
//   auto     4.6e-7 / 3.1e-6              0 / 0                1.6e-12 / 2.8e-12
// (2026-11-29, 16 gradient cases + the forward edge-case table. The Double direct results equal the
// reference exactly because Float-valued operands have exact Double products and the sums are short.)
//
// The loss of the central-difference checks is L = Σ y·r for a fixed random r, so dL/dy = r.

/// The gradients of one case through one path.
struct Gradients<S: TensorScalar> {
    var input: Tensor<S>
    var weight: Tensor<S>
    var bias: Tensor<S>
}

func runBackward<S: TensorScalar>(
    _ engine: ConvolutionEngine, _ operands: Operands<S>, outputGradient: Tensor<S>, geometry: ConvolutionGeometry,
    algorithm: ConvolutionAlgorithm
) throws -> Gradients<S> {
    Gradients(
        input: try engine.backwardInput(outputGradient: outputGradient, weight: operands.weight, geometry: geometry, algorithm: algorithm),
        weight: try engine.backwardWeight(input: operands.input, outputGradient: outputGradient, geometry: geometry, algorithm: algorithm),
        bias: try engine.backwardBias(outputGradient: outputGradient, geometry: geometry))
}

/// The relative errors of one path's gradients against the reference.
struct GradientErrors {
    var input: Double
    var weight: Double
    var bias: Double
}

/// Runs the case's gradients through `algorithm` in Float and in Double and expects each to match
/// ReferenceConvolution's Double gradients within Tolerance.
@discardableResult
func expectGradientAgreement(
    _ testCase: ConvolutionCase, algorithm: ConvolutionAlgorithm, engine: ConvolutionEngine,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> (single: GradientErrors, double: GradientErrors) {
    let geometry = try testCase.geometry()
    let single = testCase.operands()
    let double = single.converted(to: Double.self)
    let dySingle = Tensor<Float>.uniform(shape: geometry.outputShape, seed: testCase.seed &+ 100)
    let dy = dySingle.converted(to: Double.self)
    let reference = Gradients(
        input: try ReferenceConvolution.backwardInput(outputGradient: dy, weight: double.weight, geometry: geometry),
        weight: try ReferenceConvolution.backwardWeight(input: double.input, outputGradient: dy, geometry: geometry),
        bias: try ReferenceConvolution.backwardBias(outputGradient: dy, geometry: geometry))
    func errors<S: TensorScalar>(_ operands: Operands<S>, _ gradient: Tensor<S>, bound: Double, _ name: String) throws -> GradientErrors {
        let result = try runBackward(engine, operands, outputGradient: gradient, geometry: geometry, algorithm: algorithm)
        return GradientErrors(
            input: expectClose(result.input, reference.input, within: bound, "\(name) dx \(algorithm) on \(testCase)", sourceLocation: sourceLocation),
            weight: expectClose(result.weight, reference.weight, within: bound, "\(name) dw \(algorithm) on \(testCase)", sourceLocation: sourceLocation),
            bias: expectClose(result.bias, reference.bias, within: bound, "\(name) db \(algorithm) on \(testCase)", sourceLocation: sourceLocation))
    }
    let singleErrors = try errors(single, dySingle, bound: Tolerance.gradientSingleVersusDoubleReference, "Float")
    let doubleErrors = try errors(double, dy, bound: Tolerance.gradientDoubleVersusDoubleReference, "Double")
    if ProcessInfo.processInfo.environment["SPECTRALCONV_PRINT_ERRORS"] != nil {
        print("gradient-error \(algorithm) float dx \(singleErrors.input) dw \(singleErrors.weight) double dx \(doubleErrors.input) dw \(doubleErrors.weight) \(testCase)")
    }
    return (singleErrors, doubleErrors)
}

/// The option combinations the central-difference checks run through every path.
enum GradientCases {
    static let all: [ConvolutionCase] = [
        .init(name: "3x3 padding 1 bias", inputShape: [2, 3, 6, 7], weightShape: [4, 3, 3, 3], options: .init(padding: .symmetric(1)), hasBias: true),
        .init(name: "stride 2 same", inputShape: [2, 2, 9, 10], weightShape: [3, 2, 3, 3], options: .init(stride: 2, padding: .same)),
        .init(name: "stride 3 asymmetric padding", inputShape: [1, 2, 10, 11], weightShape: [3, 2, 4, 3],
              options: .init(stride: .init(height: 3, width: 2), padding: .explicit(top: 1, bottom: 2, left: 0, right: 3))),
        .init(name: "padding larger than the kernel", inputShape: [1, 2, 5, 6], weightShape: [2, 2, 2, 3],
              options: .init(padding: .explicit(top: 4, bottom: 3, left: 5, right: 2))),
        .init(name: "dilation 2", inputShape: [2, 2, 9, 9], weightShape: [3, 2, 3, 3], options: .init(padding: .symmetric(2), dilation: 2)),
        .init(name: "stride 2 dilation 2x3 full", inputShape: [1, 2, 9, 10], weightShape: [2, 2, 3, 3],
              options: .init(stride: 2, padding: .full, dilation: .init(height: 2, width: 3))),
        .init(name: "groups 2", inputShape: [2, 4, 6, 7], weightShape: [6, 2, 3, 3], options: .init(padding: .symmetric(1), groups: 2), hasBias: true),
        .init(name: "depthwise stride 2 same", inputShape: [2, 3, 8, 8], weightShape: [3, 1, 3, 3], options: .init(stride: 2, padding: .same, groups: 3)),
        .init(name: "1x1 stride 2", inputShape: [2, 4, 7, 7], weightShape: [5, 4, 1, 1], options: .init(stride: 2)),
        .init(name: "1x1 pointwise", inputShape: [2, 4, 5, 6], weightShape: [3, 4, 1, 1], hasBias: true),
        .init(name: "even kernel 4x2 same", inputShape: [1, 3, 8, 9], weightShape: [2, 3, 4, 2], options: .init(padding: .same)),
        .init(name: "batch 1 kernel 7x7", inputShape: [1, 2, 12, 12], weightShape: [2, 2, 7, 7]),
        .init(name: "stride longer than the kernel", inputShape: [1, 2, 9, 9], weightShape: [2, 2, 2, 2], options: .init(stride: 3)),
        .init(name: "only padding is read by some taps", inputShape: [1, 1, 2, 3], weightShape: [1, 1, 1, 2],
              options: .init(stride: 4, padding: .explicit(top: 5, bottom: 0, left: 3, right: 4))),
        .init(name: "1-D stride 2 dilation 2 asymmetric", inputShape: [2, 3, 20], weightShape: [4, 3, 5],
              options: .init(stride: 2, padding: .explicit(top: 0, bottom: 0, left: 3, right: 1), dilation: 2), hasBias: true),
        .init(name: "1-D groups 2 stride 3 same", inputShape: [1, 4, 17], weightShape: [4, 2, 3], options: .init(stride: 3, padding: .same, groups: 2)),
    ]
}

@Suite struct ConvolutionBackwardTests {
    /// autotune is among the cases: its choices stay in memory, out of the user's cache file.
    static let engine = try! ConvolutionEngine(threads: 2, autotuner: Autotuner())

    @Test func referenceBackwardIsTheAdjointOfTheForward() throws {
        for testCase in GradientCases.all + Array(EdgeCases.all.prefix(20)) {
            let geometry = try testCase.geometry()
            let operands = testCase.operands().converted(to: Double.self)
            let dy = Tensor<Double>.uniform(shape: geometry.outputShape, seed: testCase.seed &+ 5)
            let y = try ReferenceConvolution.forward(input: operands.input, weight: operands.weight, options: testCase.options)
            let lhs = innerProduct(dy, y)
            let dx = try ReferenceConvolution.backwardInput(outputGradient: dy, weight: operands.weight, geometry: geometry)
            let dw = try ReferenceConvolution.backwardWeight(input: operands.input, outputGradient: dy, geometry: geometry)
            // ⟨dy, conv(x, w)⟩ = ⟨dxᵀ(dy), x⟩ = ⟨dwᵀ(dy), w⟩: the forward is bilinear.
            let scale = max(abs(lhs), 1)
            #expect(abs(lhs - innerProduct(dx, operands.input)) <= 1e-12 * scale, "⟨dy, y⟩ vs ⟨dx, x⟩: \(testCase)")
            #expect(abs(lhs - innerProduct(dw, operands.weight)) <= 1e-12 * scale, "⟨dy, y⟩ vs ⟨dw, w⟩: \(testCase)")
        }
    }

    @Test(arguments: ConvolutionAlgorithm.allCases, GradientCases.all)
    func centralDifferencesMatchTheGradients(algorithm: ConvolutionAlgorithm, testCase: ConvolutionCase) throws {
        let engine = Self.engine
        let geometry = try testCase.geometry()
        let operands = testCase.operands().converted(to: Double.self)
        let r = Tensor<Double>.uniform(shape: geometry.outputShape, seed: testCase.seed &+ 9)
        func loss(_ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>?) throws -> Double {
            innerProduct(try engine.forward(input: x, weight: w, bias: b, options: testCase.options, algorithm: algorithm), r)
        }
        let gradients = try runBackward(engine, operands, outputGradient: r, geometry: geometry, algorithm: algorithm)
        let dxError = try centralDifferenceError(at: operands.input, gradient: gradients.input) { try loss($0, operands.weight, operands.bias) }
        let dwError = try centralDifferenceError(at: operands.weight, gradient: gradients.weight) { try loss(operands.input, $0, operands.bias) }
        #expect(dxError <= Tolerance.centralDifference, "dx \(algorithm) \(testCase)")
        #expect(dwError <= Tolerance.centralDifference, "dw \(algorithm) \(testCase)")
        if let bias = operands.bias {
            let dbError = try centralDifferenceError(at: bias, gradient: gradients.bias) { try loss(operands.input, operands.weight, $0) }
            #expect(dbError <= Tolerance.centralDifference, "db \(algorithm) \(testCase)")
        }
        if ProcessInfo.processInfo.environment["SPECTRALCONV_PRINT_ERRORS"] != nil {
            print("central-difference \(algorithm) dx \(dxError) dw \(dwError) \(testCase)")
        }
    }

    @Test(arguments: ConvolutionAlgorithm.allCases, GradientCases.all + EdgeCases.all)
    func gradientsMatchTheReference(algorithm: ConvolutionAlgorithm, testCase: ConvolutionCase) throws {
        try expectGradientAgreement(testCase, algorithm: algorithm, engine: Self.engine)
    }

    @Test(arguments: GradientCases.all)
    func floatGradientsOfThePathsAgreeWithEachOther(testCase: ConvolutionCase) throws {
        let geometry = try testCase.geometry()
        let operands = testCase.operands()
        let dy = Tensor<Float>.uniform(shape: geometry.outputShape, seed: testCase.seed &+ 3)
        let direct = try runBackward(Self.engine, operands, outputGradient: dy, geometry: geometry, algorithm: .direct)
        for algorithm in [ConvolutionAlgorithm.im2col, .fft] {
            let other = try runBackward(Self.engine, operands, outputGradient: dy, geometry: geometry, algorithm: algorithm)
            expectClose(other.input, direct.input, within: Tolerance.gradientSingleVersusDoubleReference, "dx \(algorithm) vs direct \(testCase)")
            expectClose(other.weight, direct.weight, within: Tolerance.gradientSingleVersusDoubleReference, "dw \(algorithm) vs direct \(testCase)")
        }
    }

    @Test(arguments: ConvolutionAlgorithm.concrete)
    func oneAndTwoThreadsGiveTheSameGradients(algorithm: ConvolutionAlgorithm) throws {
        let testCase = ConvolutionCase(name: "threads", inputShape: [3, 4, 20, 18], weightShape: [6, 2, 3, 3],
                                       options: .init(stride: 2, padding: .same, groups: 2))
        let geometry = try testCase.geometry()
        let operands = testCase.operands()
        let dy = Tensor<Float>.uniform(shape: geometry.outputShape, seed: 11)
        let one = try runBackward(try ConvolutionEngine(threads: 1), operands, outputGradient: dy, geometry: geometry, algorithm: algorithm)
        let two = try runBackward(try ConvolutionEngine(threads: 2), operands, outputGradient: dy, geometry: geometry, algorithm: algorithm)
        expectClose(one.input, two.input, within: Tolerance.threadInvariance, "dx")
        expectClose(one.weight, two.weight, within: Tolerance.threadInvariance, "dw")
    }

    @Test func shapeMismatchesAreTypedErrors() throws {
        let geometry = try ConvolutionGeometry(inputShape: [1, 2, 6, 6], weightShape: [3, 2, 3, 3], options: .init())
        let engine = Self.engine
        expectError(.invalidShape, mentioning: "output gradient") {
            _ = try engine.backwardInput(outputGradient: Tensor<Float>(shape: [1, 3, 5, 5]), weight: Tensor<Float>(shape: [3, 2, 3, 3]), geometry: geometry)
        }
        expectError(.invalidShape, mentioning: "weight") {
            _ = try engine.backwardInput(outputGradient: Tensor<Float>(shape: [1, 3, 4, 4]), weight: Tensor<Float>(shape: [3, 2, 2, 3]), geometry: geometry)
        }
        expectError(.invalidShape, mentioning: "input") {
            _ = try engine.backwardWeight(input: Tensor<Float>(shape: [1, 2, 6, 5]), outputGradient: Tensor<Float>(shape: [1, 3, 4, 4]), geometry: geometry)
        }
        expectError(.invalidShape, mentioning: "output gradient") {
            _ = try engine.backwardBias(outputGradient: Tensor<Float>(shape: [1, 3, 4]), geometry: geometry)
        }
    }

    @Test func autoResolvesThroughTheBackwardCostModel() throws {
        let model = Self.engine.costModel   // the default, or this machine's calibration when one is installed
        let large = try ConvolutionGeometry(inputShape: [8, 32, 64, 64], weightShape: [32, 32, 7, 7], options: .init())
        for gradient in ConvolutionGradient.allCases {
            for algorithm in ConvolutionAlgorithm.concrete {
                let seconds = model.predictedBackwardSeconds(for: large, gradient: gradient, algorithm: algorithm, threads: 2)
                #expect(seconds > 0 && seconds.isFinite, "\(gradient) \(algorithm)")
            }
        }
        let small = try ConvolutionGeometry(inputShape: [1, 2, 6, 6], weightShape: [3, 2, 3, 3], options: .init(stride: 2))
        let operands = randomOperands(Double.self, input: small.inputShape, weight: small.weightShape, biasCount: nil, seed: 4)
        let dy = Tensor<Double>.uniform(shape: small.outputShape, seed: 5)
        let chosen = model.fastestBackward(for: small, gradient: .input, threads: 2)
        let viaAuto = try Self.engine.backwardInput(outputGradient: dy, weight: operands.weight, geometry: small, algorithm: .auto)
        let viaChosen = try Self.engine.backwardInput(outputGradient: dy, weight: operands.weight, geometry: small, algorithm: chosen)
        #expect(viaAuto == viaChosen)
    }
}
