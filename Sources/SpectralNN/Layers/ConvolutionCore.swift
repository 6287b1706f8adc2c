import SpectralConv

/// What ``Conv1D`` and ``Conv2D`` share: the weight and bias, the engine call in both directions,
/// and the caches between them. Internal: the public types are the two layers.
final class ConvolutionCore<Scalar: TensorScalar> {
    let weight: Parameter<Scalar>
    let bias: Parameter<Scalar>?
    let options: ConvolutionOptions
    let initializer: Initializer
    var algorithm: ConvolutionAlgorithm
    var engine: ConvolutionEngine
    private var cachedInput: Tensor<Scalar>?
    private var cachedGeometry: ConvolutionGeometry?

    init(weightShape: [Int], useBias: Bool, options: ConvolutionOptions, initializer: Initializer,
         algorithm: ConvolutionAlgorithm, engine: ConvolutionEngine?, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        self.weight = Parameter(name: "weight", value: initializer.tensor(shape: weightShape, generator: &generator))
        self.bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [weightShape[0]])) : nil
        self.options = options
        self.initializer = initializer
        self.algorithm = algorithm
        self.engine = engine ?? SharedEngine.default
    }

    /// A copy for a layer's replica: its own parameters (same values, shared copy-on-write), the
    /// same options, initialiser, algorithm and engine (the replica's model sets its own), no caches.
    init(replicating other: ConvolutionCore) {
        weight = other.weight.replica()
        bias = other.bias?.replica()
        options = other.options
        initializer = other.initializer
        algorithm = other.algorithm
        engine = other.engine
    }

    var parameters: [Parameter<Scalar>] { bias.map { [weight, $0] } ?? [weight] }

    func reset(generator: inout SplitMix64) {
        weight.value = initializer.tensor(shape: weight.shape, generator: &generator)
        bias?.value = Tensor(shape: bias!.shape)
    }

    /// The geometry for a batch of `inputShape` (full shape, batch first).
    func geometry(inputShape: [Int]) throws(SpectralConvError) -> ConvolutionGeometry {
        try ConvolutionGeometry(inputShape: inputShape, weightShape: weight.shape, options: options)
    }

    /// Per-sample output shape, from ``ConvolutionGeometry``'s size formula.
    func outputShape(forInputShape shape: [Int]) throws(SpectralConvError) -> [Int] {
        Array(try geometry(inputShape: [1] + shape).outputShape.dropFirst())
    }

    func forward(_ input: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        let geometry = try geometry(inputShape: input.shape)
        cachedInput = input
        cachedGeometry = geometry
        return try engine.forward(input: input, weight: weight.value, bias: bias?.value, geometry: geometry, algorithm: algorithm)
    }

    /// Stores the weight and bias gradients and returns `dL/dx`, or nil without `needsInputGradient`.
    func backward(_ outputGradient: Tensor<Scalar>, needsInputGradient: Bool = true) throws(SpectralConvError) -> Tensor<Scalar>? {
        guard let input = cachedInput, let geometry = cachedGeometry else {
            preconditionFailure("convolution backward called before forward")
        }
        weight.gradient = try engine.backwardWeight(input: input, outputGradient: outputGradient, geometry: geometry, algorithm: algorithm)
        if let bias { bias.gradient = try engine.backwardBias(outputGradient: outputGradient, geometry: geometry) }
        guard needsInputGradient else { return nil }
        return try engine.backwardInput(outputGradient: outputGradient, weight: weight.value, geometry: geometry, algorithm: algorithm)
    }

    /// `2·O·(C/G)·Ho·Wo·kH·kW` (plus `O·Ho·Wo` bias additions) for one sample.
    func forwardFlops(inputShape: [Int]) -> Double {
        guard let geometry = try? geometry(inputShape: [1] + inputShape) else { return 0 }
        let outputs = Double(geometry.outChannels * geometry.outHeight * geometry.outWidth)
        return geometry.usefulFlops + (bias == nil ? 0 : outputs)
    }
}
