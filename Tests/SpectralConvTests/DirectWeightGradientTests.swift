import SpectralConv
import Testing

/// The direct path's stride-1 weight-gradient kernel (dot products over the wide output plane) on
/// the seed network's layers and on shapes that exercise its edges: kernel widths that are not a
/// multiple of its 3-column blocks, output-channel counts that are not a multiple of its 4-channel
/// blocks, padding (the padded-copy branch), dilation, groups, 1-D, a batch of one (the copied last
/// image is the whole batch). Each is checked against the Double reference in Float and Double,
/// and for bit-identical results with one and two threads. (The strided cases go through
/// `WeightGradientDecomposition` and are covered by ConvolutionBackwardTests.)
@Suite struct DirectWeightGradientTests {
    static let cases: [ConvolutionCase] = [
        .init(name: "seed conv1 1→4 5x5", inputShape: [6, 1, 28, 28], weightShape: [4, 1, 5, 5], hasBias: true),
        .init(name: "seed conv2 4→8 3x3", inputShape: [5, 4, 24, 24], weightShape: [8, 4, 3, 3]),
        .init(name: "seed conv3 8→16 3x3", inputShape: [4, 8, 11, 11], weightShape: [16, 8, 3, 3]),
        .init(name: "6 outputs 7x7 same", inputShape: [2, 3, 13, 10], weightShape: [6, 3, 7, 7], options: .init(padding: .same)),
        .init(name: "4x2 kernel dilation 2x3 padding", inputShape: [3, 2, 12, 15], weightShape: [5, 2, 4, 2],
              options: .init(padding: .explicit(top: 1, bottom: 0, left: 2, right: 3), dilation: .init(height: 2, width: 3))),
        .init(name: "groups 3 full", inputShape: [2, 6, 7, 9], weightShape: [9, 2, 3, 3], options: .init(padding: .full, groups: 3)),
        .init(name: "batch 1 wide 1x8", inputShape: [1, 2, 5, 40], weightShape: [3, 2, 1, 8]),
        .init(name: "1-D kernel 5", inputShape: [3, 4, 33], weightShape: [7, 4, 5], options: .init(padding: .same)),
    ]

    @Test(arguments: cases)
    func matchesTheReference(testCase: ConvolutionCase) throws {
        try expectGradientAgreement(testCase, algorithm: .direct, engine: try ConvolutionEngine(threads: 2))
    }

    @Test(arguments: cases)
    func oneAndTwoThreadsAgreeExactly(testCase: ConvolutionCase) throws {
        let geometry = try testCase.geometry()
        let operands = testCase.operands()
        let dy = Tensor<Float>.uniform(shape: geometry.outputShape, seed: testCase.seed &+ 7)
        let one = try ConvolutionEngine(threads: 1).backwardWeight(input: operands.input, outputGradient: dy, geometry: geometry, algorithm: .direct)
        let two = try ConvolutionEngine(threads: 2).backwardWeight(input: operands.input, outputGradient: dy, geometry: geometry, algorithm: .direct)
        #expect(one == two, "\(testCase): max difference \(one.maxAbsoluteDifference(from: two))")
    }
}
