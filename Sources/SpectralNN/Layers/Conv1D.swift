import SpectralConv

/// A 1-D convolution layer (PyTorch's `nn.Conv1d`): input `[N, C, L]`, weight `[O, C/G, K]` (OIL),
/// bias `[O]`, output `[N, O, Lo]` with `Lo = floor((L + pL + pR − d·(K − 1) − 1) / s) + 1`.
///
/// Same contract as ``Conv2D`` (``algorithm`` switchable between steps, Glorot-uniform weights with
/// fans `(C/G)·K` and `O·K`); padding uses only the left/right sides (`.symmetric(height: 0, width: p)`
/// or `.valid`/`.same`/`.full`).
public final class Conv1D<Scalar: TensorScalar>: ConvolutionLayer {
    public var name: String
    public var typeName: String { "Conv1D" }
    public var namePrefix: String { "conv" }
    /// Input channels C.
    public let inputChannels: Int
    /// Output channels O.
    public let outputChannels: Int
    let core: ConvolutionCore<Scalar>

    /// - Parameters: as ``Conv2D``, with scalar `kernelSize`, `stride`, `dilation` and the padding's
    ///   left/right sides (`.explicit(top: 0, bottom: 0, left: p, right: p)`).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` as ``Conv2D``, and for top/bottom padding.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding = .valid,
                dilation: Int = 1, groups: Int = 1, useBias: Bool = true, weightInitializer: Initializer = .glorotUniform,
                algorithm: ConvolutionAlgorithm = .auto, engine: ConvolutionEngine? = nil, seed: UInt64 = 0,
                name: String = "") throws(SpectralConvError) {
        try ConvolutionLayerValidation.check(layer: "Conv1D", inputChannels: inputChannels, outputChannels: outputChannels,
                                             kernel: SpatialPair(kernelSize), stride: SpatialPair(stride),
                                             dilation: SpatialPair(dilation), groups: groups, padding: padding)
        if case .explicit(let top, let bottom, _, _) = padding, top != 0 || bottom != 0 {
            throw .invalidArgument("Conv1D pads only left and right, got \(padding)")
        }
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.core = ConvolutionCore(
            weightShape: [outputChannels, inputChannels / groups, kernelSize], useBias: useBias,
            options: ConvolutionOptions(stride: SpatialPair(height: 1, width: stride), padding: padding,
                                        dilation: SpatialPair(height: 1, width: dilation), groups: groups),
            initializer: weightInitializer, algorithm: algorithm, engine: engine, seed: seed)
    }

    /// The kernels, `[O, C/G, K]`.
    public var weight: Parameter<Scalar> { core.weight }
    /// The bias, `[O]`, if any.
    public var bias: Parameter<Scalar>? { core.bias }
    public var algorithm: ConvolutionAlgorithm {
        get { core.algorithm }
        set { core.algorithm = newValue }
    }
    public var engine: ConvolutionEngine {
        get { core.engine }
        set { core.engine = newValue }
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(inputShape, 2, layer: "Conv1D", expected: "a [C, L] sample")
        return try core.outputShape(forInputShape: inputShape)
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 3, layer: "Conv1D", expected: "an [N, C, L] batch")
        return try core.forward(input)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        try core.backward(outputGradient)!
    }

    public func backward(_ outputGradient: Tensor<Scalar>, needsInputGradient: Bool) throws(SpectralConvError) -> Tensor<Scalar>? {
        try core.backward(outputGradient, needsInputGradient: needsInputGradient)
    }

    public var parameters: [Parameter<Scalar>] { core.parameters }

    private init(name: String, inputChannels: Int, outputChannels: Int, core: ConvolutionCore<Scalar>) {
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.core = core
    }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        Conv1D(name: name, inputChannels: inputChannels, outputChannels: outputChannels, core: ConvolutionCore(replicating: core))
    }
    public func reset(generator: inout SplitMix64) { core.reset(generator: &generator) }

    public var spatialEffect: SpatialEffect {
        let options = core.options
        return .window(kernel: SpatialPair(height: 1, width: options.dilation.width * (weight.shape[2] - 1) + 1),
                       stride: SpatialPair(height: 1, width: options.stride.width))
    }

    public func forwardFlops(inputShape: [Int]) -> Double { core.forwardFlops(inputShape: inputShape) }
}
