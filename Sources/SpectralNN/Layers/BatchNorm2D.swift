import SpectralConv

/// Batch normalisation over the channels of `[N, C, H, W]` (Ioffe & Szegedy 2015), with
/// **PyTorch's conventions** (`nn.BatchNorm2d`):
///
///     training:   μ_c, σ²_c = mean and biased variance over (N, H, W);  y = γ_c · (x − μ_c) / sqrt(σ²_c + ε) + β_c
///                 running ← (1 − momentum)·running + momentum·batch  (the running variance takes the
///                 unbiased σ²·M/(M − 1), M = N·H·W)
///     evaluation: y = γ_c · (x − runningMean_c) / sqrt(runningVariance_c + ε) + β_c
///
/// `momentum` is the weight of the **new** batch (PyTorch, default 0.1); Keras' `momentum` is the
/// weight of the old value, so Keras 0.99 is 0.01 here. Parameters `gamma` (1) and `beta` (0), `[C]`;
/// buffers `runningMean` (0) and `runningVariance` (1), `[C]`.
///
/// Backward in training (`x̂` normalised input, `g = dy·γ`, sums over N, H, W):
/// `dx = (1/sqrt(σ² + ε)) · (g − mean(g) − x̂ · mean(g·x̂))`, `dγ = Σ dy·x̂`, `dβ = Σ dy`;
/// in evaluation the statistics are constants: `dx = dy · γ / sqrt(runningVariance + ε)`.
public final class BatchNorm2D<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "BatchNorm2D" }
    public var namePrefix: String { "batchnorm" }
    /// C.
    public let channels: Int
    /// Weight of the new batch statistic in the running averages.
    public let momentum: Double
    /// Added to the variance before the square root.
    public let epsilon: Double
    /// Scale γ, `[C]`.
    public let gamma: Parameter<Scalar>
    /// Shift β, `[C]`.
    public let beta: Parameter<Scalar>
    /// Running mean, `[C]` (non-trainable, ``buffers``).
    public let runningMean: Parameter<Scalar>
    /// Running (unbiased) variance, `[C]` (non-trainable, ``buffers``).
    public let runningVariance: Parameter<Scalar>
    private var cache: (normalized: [Double], inverseDeviation: [Double], training: Bool, shape: [Int])?

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for `channels < 1`, `momentum ∉ [0, 1]` or `epsilon ≤ 0`.
    public init(channels: Int, momentum: Double = 0.1, epsilon: Double = 1e-5, name: String = "") throws(SpectralConvError) {
        try LayerValidation.requireAtLeast(channels, 1, "channels", layer: "BatchNorm2D")
        guard (0...1).contains(momentum) else { throw .invalidArgument("BatchNorm2D: momentum must be in [0, 1], got \(momentum)") }
        guard epsilon > 0 else { throw .invalidArgument("BatchNorm2D: epsilon must be positive, got \(epsilon)") }
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "gamma", value: Tensor(shape: [channels], repeating: 1))
        beta = Parameter(name: "beta", value: Tensor(shape: [channels]))
        runningMean = Parameter(name: "runningMean", value: Tensor(shape: [channels]))
        runningVariance = Parameter(name: "runningVariance", value: Tensor(shape: [channels], repeating: 1))
    }

    public var parameters: [Parameter<Scalar>] { [gamma, beta] }
    public var buffers: [Parameter<Scalar>] { [runningMean, runningVariance] }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try BatchNorm2D(channels: channels, momentum: momentum, epsilon: epsilon, name: name)
        for (target, source) in zip(copy.parameters + copy.buffers, parameters + buffers) { target.value = source.value }
        return copy
    }

    public func reset(generator: inout SplitMix64) {
        gamma.value = Tensor(shape: [channels], repeating: 1)
        beta.value = Tensor(shape: [channels])
        runningMean.value = Tensor(shape: [channels])
        runningVariance.value = Tensor(shape: [channels], repeating: 1)
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(inputShape, 3, layer: "BatchNorm2D", expected: "a [C, H, W] sample")
        guard inputShape[0] == channels else {
            throw .invalidShape("BatchNorm2D expects \(channels) channels, got \(inputShape)")
        }
        return inputShape
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 4, layer: "BatchNorm2D", expected: "an [N, C, H, W] batch")
        _ = try outputShape(forInputShape: Array(input.shape.dropFirst()))
        let n = input.shape[0], plane = input.shape[2] * input.shape[3], count = n * plane
        if training && count < 2 {
            throw .invalidShape("BatchNorm2D in training needs more than one value per channel, got \(input.shape)")
        }
        let x = input.scalars
        var normalized = [Double](repeating: 0, count: x.count)
        var inverseDeviation = [Double](repeating: 0, count: channels)
        var output = [Scalar](repeating: 0, count: x.count)
        for c in 0..<channels {
            let indices = channelOffsets(channel: c, batch: n, plane: plane)
            let mean: Double, variance: Double
            if training {
                var sum = 0.0
                for index in indices { sum += Double(x[index]) }
                mean = sum / Double(count)
                var squares = 0.0
                for index in indices {
                    let deviation = Double(x[index]) - mean
                    squares += deviation * deviation
                }
                variance = squares / Double(count)
                let unbiased = variance * Double(count) / Double(count - 1)
                runningMean.value[c] = Scalar((1 - momentum) * Double(runningMean.value[c]) + momentum * mean)
                runningVariance.value[c] = Scalar((1 - momentum) * Double(runningVariance.value[c]) + momentum * unbiased)
            } else {
                mean = Double(runningMean.value[c])
                variance = Double(runningVariance.value[c])
            }
            let inverse = 1 / (variance + epsilon).squareRoot()
            inverseDeviation[c] = inverse
            let scale = Double(gamma.value[c]), shift = Double(beta.value[c])
            for index in indices {
                normalized[index] = (Double(x[index]) - mean) * inverse
                output[index] = Scalar(scale * normalized[index] + shift)
            }
        }
        cache = (normalized, inverseDeviation, training, input.shape)
        return try Tensor(shape: input.shape, scalars: output)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let cache else { preconditionFailure("BatchNorm2D.backward called before forward") }
        guard outputGradient.shape == cache.shape else {
            throw .invalidShape("BatchNorm2D: output gradient \(outputGradient.shape) does not match the last output \(cache.shape)")
        }
        let n = cache.shape[0], plane = cache.shape[2] * cache.shape[3], count = Double(n * plane)
        let dy = outputGradient.scalars, xHat = cache.normalized
        var dx = [Scalar](repeating: 0, count: dy.count)
        var dGamma = [Scalar](repeating: 0, count: channels), dBeta = [Scalar](repeating: 0, count: channels)
        for c in 0..<channels {
            let indices = channelOffsets(channel: c, batch: n, plane: plane)
            var sumDy = 0.0, sumDyXHat = 0.0
            for index in indices {
                sumDy += Double(dy[index])
                sumDyXHat += Double(dy[index]) * xHat[index]
            }
            dGamma[c] = Scalar(sumDyXHat)
            dBeta[c] = Scalar(sumDy)
            let scale = Double(gamma.value[c]) * cache.inverseDeviation[c]
            for index in indices {
                let g = Double(dy[index])
                let centred: Double = cache.training ? g - sumDy / count - xHat[index] * (sumDyXHat / count) : g
                dx[index] = Scalar(scale * centred)
            }
        }
        gamma.gradient = try Tensor(shape: [channels], scalars: dGamma)
        beta.gradient = try Tensor(shape: [channels], scalars: dBeta)
        return try Tensor(shape: cache.shape, scalars: dx)
    }

    /// The storage offsets of channel `channel` across the batch, in order.
    private func channelOffsets(channel: Int, batch: Int, plane: Int) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(batch * plane)
        for sample in 0..<batch {
            let start = (sample * channels + channel) * plane
            offsets.append(contentsOf: start..<(start + plane))
        }
        return offsets
    }

    /// About four operations per element (subtract, multiply, scale, shift).
    public func forwardFlops(inputShape: [Int]) -> Double { 4 * Double(inputShape.reduce(1, *)) }
}
