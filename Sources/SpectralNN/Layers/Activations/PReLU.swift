import SpectralConv

/// Parametric ReLU (He et al. 2015; PyTorch's `nn.PReLU`): `y = x` for `x > 0`, `y = a_c · x`
/// otherwise, with a learned slope per channel (axis 1 of `[N, C, …]`) or one shared slope.
///
/// Parameter `slope`: `[C]` or `[1]`, starting at 0.25 (PyTorch's default).
/// Gradients: `dx = dy` where `x > 0`, `a_c·dy` elsewhere; `da_c = Σ_{x ≤ 0 in channel c} dy · x`.
public final class PReLU<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "PReLU" }
    public var namePrefix: String { "prelu" }
    /// `[C]` (one slope per channel) or `[1]` (shared).
    public let slope: Parameter<Scalar>
    /// The slope's value on ``reset(generator:)``.
    public let initialSlope: Double
    private var cachedInput: Tensor<Scalar>?

    /// - Parameters:
    ///   - channels: 1 for a shared slope, or C (the extent of axis 1 of the input).
    ///   - initialSlope: the starting slope (0.25).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when `channels` is below 1.
    public init(channels: Int = 1, initialSlope: Double = 0.25, name: String = "") throws(SpectralConvError) {
        try LayerValidation.requireAtLeast(channels, 1, "channels", layer: "PReLU")
        self.name = name
        self.initialSlope = initialSlope
        self.slope = Parameter(name: "slope", value: Tensor(shape: [channels], repeating: Scalar(initialSlope)))
    }

    public var parameters: [Parameter<Scalar>] { [slope] }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try PReLU(channels: slope.value.count, initialSlope: initialSlope, name: name)
        copy.slope.value = slope.value
        return copy
    }

    public func reset(generator: inout SplitMix64) {
        slope.value = Tensor(shape: slope.shape, repeating: Scalar(initialSlope))
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        let channels = slope.shape[0]
        guard channels == 1 || (inputShape.first == channels) else {
            throw .invalidShape("PReLU with \(channels) slopes expects \(channels) channels on the first axis of the sample, got \(inputShape)")
        }
        return inputShape
    }

    /// The channel of each element of a batch of `shape`, for the slope index.
    private func channelIndex(shape: [Int]) -> (Int) -> Int {
        let channels = slope.shape[0]
        guard channels > 1 else { return { _ in 0 } }
        let inner = shape.dropFirst(2).reduce(1, *)
        return { ($0 / inner) % channels }
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        guard input.rank >= 2 else { throw .invalidShape("PReLU expects a batch [N, C, …], got \(input.shape)") }
        _ = try outputShape(forInputShape: Array(input.shape.dropFirst()))
        cachedInput = input
        let a = slope.value.scalars, x = input.scalars, channel = channelIndex(shape: input.shape)
        return Tensor(shape: input.shape) { x[$0] > 0 ? x[$0] : a[channel($0)] * x[$0] }
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let input = cachedInput else { preconditionFailure("PReLU.backward called before forward") }
        try ActivationShape.require(outputGradient, matches: input, layer: "PReLU")
        let a = slope.value.scalars, x = input.scalars, dy = outputGradient.scalars, channel = channelIndex(shape: input.shape)
        var slopeGradient = [Scalar](repeating: 0, count: a.count)
        for index in x.indices where x[index] <= 0 { slopeGradient[channel(index)] += dy[index] * x[index] }
        slope.gradient = try Tensor(shape: slope.shape, scalars: slopeGradient)
        return Tensor(shape: input.shape) { x[$0] > 0 ? dy[$0] : a[channel($0)] * dy[$0] }
    }
}
