import SpectralConv

/// A stack of layers applied in order, with every per-sample shape inferred from the input shape
/// when the model is built.
///
/// - Names: layers created with an empty name get `namePrefix + counter` (`conv1`, `conv2`, `dense1`,
///   …); parameters are then addressed as `layer.parameter` (`conv1.weight`, `dense1.bias`).
/// - Determinism: with a `seed`, every layer is re-initialised in order from one SplitMix64 stream
///   (weights, and the streams of dropout layers), so the same seed gives the same model.
/// - Convolution engine: convolution layers use one engine — the process-wide default unless the
///   model is given one (whose `threads` setting then applies to the whole model, including the
///   loops of every ``ParallelLayer``). Layers run one at
///   a time, so sharing an engine (and its workspaces) costs nothing.
public final class Sequential<Scalar: TensorScalar> {
    /// The per-sample input shape (no batch axis): `[C, H, W]`, `[C, L]` or `[F]`.
    public let inputShape: [Int]
    /// The layers, in order.
    public let layers: [any Layer<Scalar>]
    /// The per-sample output shape of each layer.
    public let outputShapes: [[Int]]

    /// - Parameters:
    ///   - inputShape: the shape of one sample, without the batch axis.
    ///   - layers: the layers in order.
    ///   - seed: re-initialises every layer from this seed (nil keeps the layers' current values).
    ///   - engine: the convolution engine for every convolution layer (nil keeps each layer's own).
    /// - Throws: ``SpectralConvError`` when a layer cannot take the shape the previous one produces
    ///   (the message names the layer), or two layers share a name.
    public init(inputShape: [Int], layers: [any Layer<Scalar>], seed: UInt64? = 0, engine: ConvolutionEngine? = nil) throws(SpectralConvError) {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("a model's input shape needs positive extents, got \(inputShape)")
        }
        var counters: [String: Int] = [:]
        var names = Set<String>()
        var shapes: [[Int]] = []
        var shape = inputShape
        for layer in layers {
            if layer.name.isEmpty {
                counters[layer.namePrefix, default: 0] += 1
                layer.name = "\(layer.namePrefix)\(counters[layer.namePrefix]!)"
            }
            guard names.insert(layer.name).inserted else { throw .invalidArgument("two layers are named '\(layer.name)'") }
            do {
                shape = try layer.outputShape(forInputShape: shape)
            } catch {
                throw Self.prefixed(error, with: "layer \(layer.name) (\(layer.typeName)) on input \(shape)")
            }
            shapes.append(shape)
        }
        self.inputShape = inputShape
        self.layers = layers
        self.outputShapes = shapes
        if let seed { reset(seed: seed) }
        if let engine {
            for layer in convolutionLayers { layer.engine = engine }
            for case let layer as any ParallelLayer in layers { layer.parallelism = Parallelism(threads: engine.threads) }
        }
    }

    /// The per-sample output shape of the whole model.
    public var outputShape: [Int] { outputShapes.last ?? inputShape }

    /// Re-initialises every layer, in order, from one stream seeded with `seed`.
    public func reset(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for layer in layers { layer.reset(generator: &generator) }
    }

    /// The layers that run a convolution.
    public var convolutionLayers: [any ConvolutionLayer] { layers.compactMap { $0 as? any ConvolutionLayer } }

    /// Sets the convolution path of every convolution layer (it may change between steps).
    public func setAlgorithm(_ algorithm: ConvolutionAlgorithm) {
        for layer in convolutionLayers { layer.algorithm = algorithm }
    }

    /// Every trainable parameter with its qualified name (`conv1.weight`), in layer order.
    public var namedParameters: [NamedParameter<Scalar>] {
        layers.flatMap { layer in layer.parameters.map { NamedParameter(name: "\(layer.name).\($0.name)", parameter: $0) } }
    }

    /// Every non-trainable state tensor with its qualified name (`batchnorm1.runningMean`).
    public var namedBuffers: [NamedParameter<Scalar>] {
        layers.flatMap { layer in layer.buffers.map { NamedParameter(name: "\(layer.name).\($0.name)", parameter: $0) } }
    }

    /// The parameter or buffer called `name` (`conv1.weight`), if any.
    public func parameter(named name: String) -> Parameter<Scalar>? {
        (namedParameters + namedBuffers).first { $0.name == name }?.parameter
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Runs a batch `[N] + inputShape` through every layer.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the batch does not match ``inputShape``.
    public func forward(_ input: Tensor<Scalar>, training: Bool = false) throws(SpectralConvError) -> Tensor<Scalar> {
        try forward(input, through: layers.count, training: training)
    }

    /// Runs a batch through the first `count` layers.
    func forward(_ input: Tensor<Scalar>, through count: Int, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireSampleShape(input.shape, inputShape, layer: "the model")
        var value = input
        for layer in layers.prefix(count) { value = try layer.forward(value, training: training) }
        return value
    }

    /// Back-propagates `dL/dy` of the last forward call through every layer, storing every
    /// parameter's gradient; returns `dL/dx`.
    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        try backward(outputGradient, from: layers.count, needsInputGradient: true)!
    }

    /// Back-propagates through the first `count` layers, last first. Without `needsInputGradient`
    /// (training: nothing consumes `dL/dx` of the model's input) the first layer stores its
    /// parameter gradients only, and the result is nil.
    func backward(_ outputGradient: Tensor<Scalar>, from count: Int, needsInputGradient: Bool) throws(SpectralConvError) -> Tensor<Scalar>? {
        var gradient = outputGradient
        let stack = layers.prefix(count)
        for (index, layer) in stack.enumerated().reversed() {
            if index == 0 && !needsInputGradient { return try layer.backward(gradient, needsInputGradient: false) }
            gradient = try layer.backward(gradient)
        }
        return gradient
    }

    private static func prefixed(_ error: SpectralConvError, with context: String) -> SpectralConvError {
        switch error {
        case .invalidShape(let message): .invalidShape("\(context): \(message)")
        case .invalidArgument(let message): .invalidArgument("\(context): \(message)")
        default: error
        }
    }
}
