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
        var output = Tensor<Scalar>.zeros(shape: [n, o])
        let w = weight.value, b = bias?.value ?? Tensor(shape: [0])
        input.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { y in
                        switch Scalar.precision {
                        case .single: DenseKernel.forward(x.concrete(Float.self), w.concrete(Float.self), b.concrete(Float.self), y.concrete(Float.self), n: n, f: f, o: o)
                        case .double: DenseKernel.forward(x.concrete(Double.self), w.concrete(Double.self), b.concrete(Double.self), y.concrete(Double.self), n: n, f: f, o: o)
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
        var inputGradient = Tensor<Scalar>.zeros(shape: [n, f])
        var weightGradient = Tensor<Scalar>.zeros(shape: [o, f])
        var biasGradient = Tensor<Scalar>.zeros(shape: [o])
        let w = weight.value
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        weightGradient.withUnsafeMutableBufferPointer { dw in
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                switch Scalar.precision {
                                case .single:
                                    DenseKernel.backward(dy.concrete(Float.self), x.concrete(Float.self), w.concrete(Float.self),
                                                  dx.concrete(Float.self), dw.concrete(Float.self), db.concrete(Float.self), n: n, f: f, o: o)
                                case .double:
                                    DenseKernel.backward(dy.concrete(Double.self), x.concrete(Double.self), w.concrete(Double.self),
                                                  dx.concrete(Double.self), dw.concrete(Double.self), db.concrete(Double.self), n: n, f: f, o: o)
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

/// Dense's loops, in a non-generic namespace so that entering them with `Float` or `Double`
/// specialises them completely (see ConcreteScalar.swift).
enum DenseKernel {
    /// `y[n, o] = b[o] + Σ_f x[n, f]·w[o, f]` (summed in `f` order from the bias; no bias when `b`
    /// is empty), entered with a concrete `T` (see ConcreteScalar.swift).
    static func forward<T: TensorScalar>(
        _ x: UnsafeBufferPointer<T>, _ w: UnsafeBufferPointer<T>, _ b: UnsafeBufferPointer<T>, _ y: UnsafeMutableBufferPointer<T>,
        n: Int, f: Int, o: Int
    ) {
        for sample in 0..<n {
            for unit in 0..<o {
                var sum: T = b.isEmpty ? 0 : b[unit]
                for feature in 0..<f { sum += x[sample * f + feature] * w[unit * f + feature] }
                y[sample * o + unit] = sum
            }
        }
    }

    /// Accumulates `db += Σ_n dy`, `dw += dyᵀ·x` and `dx += dy·w` into zeroed buffers, entered with a
    /// concrete `T` (see ConcreteScalar.swift).
    static func backward<T: TensorScalar>(
        _ dy: UnsafeBufferPointer<T>, _ x: UnsafeBufferPointer<T>, _ w: UnsafeBufferPointer<T>,
        _ dx: UnsafeMutableBufferPointer<T>, _ dw: UnsafeMutableBufferPointer<T>, _ db: UnsafeMutableBufferPointer<T>,
        n: Int, f: Int, o: Int
    ) {
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
