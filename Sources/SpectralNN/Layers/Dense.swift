import SpectralConv

/// A fully connected layer (PyTorch's `nn.Linear`, Keras' `Dense`): `y = x·Wᵀ + b`.
///
/// - Input `[N, F]`, weight `[O, F]` (PyTorch's layout; Keras stores the transpose `[F, O]`),
///   bias `[O]`, output `[N, O]`.
/// - Gradients: `dW = dyᵀ·x`, `db = Σ_n dy[n, :]`, `dx = dy·W`.
/// - Weights start Glorot-uniform with `fanIn = F`, `fanOut = O`; the bias at 0.
public final class Dense<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Dense" }
    public var namePrefix: String { "dense" }
    /// F, the input features.
    public let inputFeatures: Int
    /// O, the output features.
    public let outputFeatures: Int
    /// `[O, F]`.
    public let weight: Parameter<Scalar>
    /// `[O]`, if the layer has one.
    public let bias: Parameter<Scalar>?
    /// The weight's distribution on ``reset(generator:)``.
    public let weightInitializer: Initializer
    private var cachedInput: Tensor<Scalar>?

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when a feature count is below 1.
    public init(inputFeatures: Int, outputFeatures: Int, useBias: Bool = true, weightInitializer: Initializer = .glorotUniform,
                seed: UInt64 = 0, name: String = "") throws(SpectralConvError) {
        try LayerValidation.requireAtLeast(inputFeatures, 1, "inputFeatures", layer: "Dense")
        try LayerValidation.requireAtLeast(outputFeatures, 1, "outputFeatures", layer: "Dense")
        self.name = name
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.weightInitializer = weightInitializer
        var generator = SplitMix64(seed: seed)
        weight = Parameter(name: "weight", value: weightInitializer.tensor(shape: [outputFeatures, inputFeatures], generator: &generator))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [outputFeatures])) : nil
    }

    public var parameters: [Parameter<Scalar>] { bias.map { [weight, $0] } ?? [weight] }

    public func reset(generator: inout SplitMix64) {
        weight.value = weightInitializer.tensor(shape: weight.shape, generator: &generator)
        bias?.value = Tensor(shape: [outputFeatures])
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        guard inputShape == [inputFeatures] else {
            throw .invalidShape("Dense expects [\(inputFeatures)] features per sample, got \(inputShape) (add a Flatten before it?)")
        }
        return [outputFeatures]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireSampleShape(input.shape, [inputFeatures], layer: "Dense")
        cachedInput = input
        let n = input.shape[0], f = inputFeatures, o = outputFeatures
        var output = Tensor<Scalar>(shape: [n, o])
        let w = weight.value, b = bias?.value
        output.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    for sample in 0..<n {
                        for unit in 0..<o {
                            var sum: Scalar = b?.scalars[unit] ?? 0
                            for feature in 0..<f { sum += x[sample * f + feature] * w[unit * f + feature] }
                            y[sample * o + unit] = sum
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let input = cachedInput else { preconditionFailure("Dense.backward called before forward") }
        let n = input.shape[0], f = inputFeatures, o = outputFeatures
        guard outputGradient.shape == [n, o] else {
            throw .invalidShape("Dense: output gradient \(outputGradient.shape) does not match the output [\(n), \(o)]")
        }
        var inputGradient = Tensor<Scalar>(shape: [n, f])
        var weightGradient = Tensor<Scalar>(shape: [o, f])
        var biasGradient = Tensor<Scalar>(shape: [o])
        let w = weight.value
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        weightGradient.withUnsafeMutableBufferPointer { dw in
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                for sample in 0..<n {
                                    for unit in 0..<o {
                                        let g = dy[sample * o + unit]
                                        db[unit] += g
                                        for feature in 0..<f {
                                            dw[unit * f + feature] += g * x[sample * f + feature]
                                            dx[sample * f + feature] += g * w[unit * f + feature]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.gradient = weightGradient
        bias?.gradient = biasGradient
        return inputGradient
    }

    public var spatialEffect: SpatialEffect { .global }

    /// `2·F·O` multiply-adds plus `O` bias additions.
    public func forwardFlops(inputShape: [Int]) -> Double {
        2 * Double(inputFeatures * outputFeatures) + (bias == nil ? 0 : Double(outputFeatures))
    }
}
