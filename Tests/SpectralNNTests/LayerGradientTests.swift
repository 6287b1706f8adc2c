import SpectralConv
import SpectralNN
import Testing

/// Float64 central-difference checks of every layer's input and parameter gradients
/// (bound: ``GradientTolerance``).
@Suite("Layer gradients (Float64 central differences)")
struct LayerGradientTests {
    static let engine = try! ConvolutionEngine(threads: 1)

    struct ConvolutionCase: Sendable, CustomStringConvertible {
        var description: String
        var input: [Int]
        var outputChannels: Int
        var kernel: SpatialPair
        var stride: SpatialPair = 1
        var padding: Padding = .valid
        var dilation: SpatialPair = 1
        var groups = 1
    }

    static let convolutionCases: [ConvolutionCase] = [
        .init(description: "3x3 valid", input: [2, 3, 7, 6], outputChannels: 4, kernel: 3),
        .init(description: "stride 2 same", input: [2, 2, 7, 8], outputChannels: 3, kernel: 3, stride: 2, padding: .same),
        .init(description: "dilation 2 padding 1,2,0,1", input: [1, 2, 8, 8], outputChannels: 2, kernel: SpatialPair(height: 3, width: 2),
              padding: .explicit(top: 1, bottom: 2, left: 0, right: 1), dilation: 2),
        .init(description: "groups 2 full", input: [2, 4, 5, 5], outputChannels: 6, kernel: 2, padding: .full, groups: 2),
    ]

    @Test("Conv2D", arguments: convolutionCases, ConvolutionAlgorithm.concrete)
    func conv2D(_ c: ConvolutionCase, algorithm: ConvolutionAlgorithm) throws {
        let layer = try Conv2D<Double>(inputChannels: c.input[1], outputChannels: c.outputChannels, kernelSize: c.kernel, stride: c.stride,
                                       padding: c.padding, dilation: c.dilation, groups: c.groups, algorithm: algorithm,
                                       engine: Self.engine, seed: 3)
        layer.bias!.value = .uniform(shape: [c.outputChannels], seed: 4)
        try checkLayerGradients(layer, input: .uniform(shape: c.input, seed: 5), "Conv2D \(c) \(algorithm)")
    }

    @Test("Conv1D", arguments: ConvolutionAlgorithm.concrete)
    func conv1D(algorithm: ConvolutionAlgorithm) throws {
        let layer = try Conv1D<Double>(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2,
                                       padding: .explicit(top: 0, bottom: 0, left: 2, right: 1), dilation: 2, groups: 2,
                                       algorithm: algorithm, engine: Self.engine, seed: 6)
        try checkLayerGradients(layer, input: .uniform(shape: [2, 4, 11], seed: 7), "Conv1D \(algorithm)")
    }

    @Test func dense() throws {
        let layer = try Dense<Double>(inputFeatures: 7, outputFeatures: 5, seed: 8)
        layer.bias!.value = .uniform(shape: [5], seed: 9)
        try checkLayerGradients(layer, input: .uniform(shape: [3, 7], seed: 10), "Dense")
    }

    @Test func flatten() throws {
        try checkLayerGradients(Flatten<Double>(), input: .uniform(shape: [2, 3, 2, 2], seed: 11), "Flatten")
    }

    @Test("MaxPool2D", arguments: [(SpatialPair(2), SpatialPair?.none, Padding.valid), (3, 2, .same), (3, 2, .symmetric(1)), (SpatialPair(height: 2, width: 3), 1, .valid)])
    func maxPool(size: SpatialPair, stride: SpatialPair?, padding: Padding) throws {
        let layer = try MaxPool2D<Double>(poolSize: size, stride: stride, padding: padding)
        try checkLayerGradients(layer, input: .uniform(shape: [2, 2, 7, 6], seed: 12), "MaxPool2D \(size) \(String(describing: stride)) \(padding)")
    }

    @Test("AvgPool2D", arguments: [(SpatialPair(2), SpatialPair?.none, Padding.valid), (3, 2, .same), (3, 2, .symmetric(1)), (SpatialPair(height: 2, width: 3), 1, .valid)])
    func avgPool(size: SpatialPair, stride: SpatialPair?, padding: Padding) throws {
        let layer = try AvgPool2D<Double>(poolSize: size, stride: stride, padding: padding)
        try checkLayerGradients(layer, input: .uniform(shape: [2, 2, 7, 6], seed: 13), "AvgPool2D \(size) \(String(describing: stride)) \(padding)")
    }

    @Test func activations() throws {
        let input = Tensor<Double>.uniform(shape: [3, 2, 4], in: -3...3, seed: 14)
        try checkLayerGradients(ReLU<Double>(), input: input, "ReLU")
        try checkLayerGradients(Tanh<Double>(), input: input, "Tanh")
        try checkLayerGradients(Sigmoid<Double>(), input: input, "Sigmoid")
        try checkLayerGradients(Softmax<Double>(), input: .uniform(shape: [3, 6], in: -3...3, seed: 15), "Softmax")
    }

    @Test func prelu() throws {
        let input = Tensor<Double>.uniform(shape: [3, 4, 2, 3], in: -2...2, seed: 16)
        let shared = try PReLU<Double>()
        try checkLayerGradients(shared, input: input, "PReLU shared")
        let perChannel = try PReLU<Double>(channels: 4)
        perChannel.slope.value = .uniform(shape: [4], in: 0...0.5, seed: 17)
        try checkLayerGradients(perChannel, input: input, "PReLU per channel")
    }

    @Test("BatchNorm2D", arguments: [true, false])
    func batchNorm(training: Bool) throws {
        let layer = try BatchNorm2D<Double>(channels: 3)
        layer.gamma.value = .uniform(shape: [3], in: 0.5...1.5, seed: 18)
        layer.beta.value = .uniform(shape: [3], seed: 19)
        layer.runningMean.value = .uniform(shape: [3], seed: 20)
        layer.runningVariance.value = .uniform(shape: [3], in: 0.5...2, seed: 21)
        try checkLayerGradients(layer, input: .uniform(shape: [4, 3, 3, 2], in: -2...2, seed: 22), training: training,
                                "BatchNorm2D training \(training)")
    }

    @Test func dropout() throws {
        let layer = try Dropout<Double>(rate: 0.4)
        // Replay the same mask before every forward so that the loss is a fixed function of x.
        try checkLayerGradients(layer, input: .uniform(shape: [4, 10], seed: 23), beforeForward: {
            var generator = SplitMix64(seed: 24)
            layer.reset(generator: &generator)
        }, "Dropout")
        try checkLayerGradients(layer, input: .uniform(shape: [4, 10], seed: 23), training: false, "Dropout (evaluation)")
    }

    /// The whole seed network with the fused softmax cross-entropy: every parameter tensor (sampled
    /// elements) against central differences of the mean loss.
    @Test func seedNetworkFusedLoss() throws {
        // 16×16 input keeps every layer (12 → 10 → 5 → 3 → 1 after the pools) and the test fast.
        let model: Sequential<Double> = try ModelRegistry.build("seed", inputShape: [1, 16, 16], seed: 25, engine: Self.engine)
        let input = Tensor<Double>.uniform(shape: [2, 1, 16, 16], seed: 26)
        let labels = [3, 7]
        _ = try model.computeGradients(input: input, labels: labels)
        let h = GradientTolerance.step
        for named in model.namedParameters {
            let parameter = named.parameter, original = parameter.value, analytic = parameter.gradient
            var worst = 0.0
            for index in sampledIndices(original.count, limit: 8) {
                var plus = original, minus = original
                setElement(&plus, index, original.scalars[index] + h)
                setElement(&minus, index, original.scalars[index] - h)
                parameter.value = plus
                let up = try model.evaluate(input: input, labels: labels).loss
                parameter.value = minus
                let down = try model.evaluate(input: input, labels: labels).loss
                worst = max(worst, abs((up - down) / (2 * h) - analytic.scalars[index]))
            }
            parameter.value = original
            #expect(worst <= GradientTolerance.relative, "\(named.name): gradient off by \(worst)")
        }
    }
}
