import SpectralConv

/// The tensors of one convolution call: input, weight and optional bias.
struct Operands<S: TensorScalar>: Sendable {
    var input: Tensor<S>
    var weight: Tensor<S>
    var bias: Tensor<S>?

    /// The same values in another precision (exact when widening `Float` to `Double`).
    func converted<T: TensorScalar>(to _: T.Type) -> Operands<T> {
        Operands<T>(input: input.converted(), weight: weight.converted(), bias: bias?.converted())
    }
}

/// Uniform random operands in [-1, 1], reproducible from `seed`: the input, weight and bias each
/// come from their own stream (`seed`, `seed + 1`, `seed + 2`).
/// - Parameter biasCount: the bias length (the output channels), or nil for no bias.
func randomOperands<S: TensorScalar>(
    _: S.Type = Float.self, input inputShape: [Int], weight weightShape: [Int], biasCount: Int?, seed: UInt64
) -> Operands<S> {
    Operands(
        input: .uniform(shape: inputShape, in: -1...1, seed: seed),
        weight: .uniform(shape: weightShape, in: -1...1, seed: seed &+ 1),
        bias: biasCount.map { .uniform(shape: [$0], in: -1...1, seed: seed &+ 2) })
}

/// One convolution to run through every path: shapes, options, whether it has a bias, and the
/// seed of its random operands — everything needed to reproduce it.
struct ConvolutionCase: Sendable, CustomStringConvertible {
    var name: String
    var inputShape: [Int]
    var weightShape: [Int]
    var options: ConvolutionOptions = .init()
    var hasBias: Bool = false
    var seed: UInt64 = 1

    var outChannels: Int { weightShape[0] }

    func geometry() throws(SpectralConvError) -> ConvolutionGeometry {
        try ConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options)
    }

    /// The case's random `Float` operands.
    func operands() -> Operands<Float> {
        randomOperands(Float.self, input: inputShape, weight: weightShape, biasCount: hasBias ? outChannels : nil, seed: seed)
    }

    var description: String {
        "\(name): input \(inputShape) weight \(weightShape) stride \(options.stride) padding \(options.padding) "
            + "dilation \(options.dilation) groups \(options.groups)\(hasBias ? " bias" : "") seed \(seed)"
    }
}
