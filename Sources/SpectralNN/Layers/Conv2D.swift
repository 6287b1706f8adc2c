import SpectralConv

/// A 2-D convolution layer (cross-correlation, as PyTorch's `nn.Conv2d` and Keras' `Conv2D`).
///
///     y[n, o, i, j] = bias[o] + Σ_{c ∈ group(o)} Σ_{a, b} x[n, c, i·sH + a·dH − pT, j·sW + b·dW − pL] · w[o, c, a, b]
///
/// - Input `[N, C, H, W]`, weight `[O, C/G, kH, kW]` (OIHW), bias `[O]`, output `[N, O, Ho, Wo]`
///   with `Ho`, `Wo` from ``ConvolutionGeometry``.
/// - ``algorithm`` (direct, im2col, fft, auto, autotune) may change between steps; forward and backward go
///   through ``engine`` (by default one process-wide engine using every core; ``Sequential`` gives all
///   its convolution layers one engine of its own).
/// - Weights start Glorot-uniform (fans `(C/G)·kH·kW` and `O·kH·kW`) unless told otherwise; biases at 0.
public final class Conv2D<Scalar: TensorScalar>: ConvolutionLayer {
    public var name: String
    public var typeName: String { "Conv2D" }
    public var namePrefix: String { "conv" }
    /// Input channels C.
    public let inputChannels: Int
    /// Output channels O (the number of kernels).
    public let outputChannels: Int
    let core: ConvolutionCore<Scalar>

    /// - Parameters:
    ///   - inputChannels: C (≥ 1, divisible by `groups`).
    ///   - outputChannels: O (≥ 1, divisible by `groups`).
    ///   - kernelSize: `kH × kW` (an integer literal means square).
    ///   - stride, padding, dilation, groups: as ``ConvolutionOptions``.
    ///   - useBias: whether the layer has a bias `[O]`.
    ///   - weightInitializer: the weight's distribution (``Initializer/glorotUniform``, Keras' default).
    ///   - algorithm: the convolution path.
    ///   - engine: the engine to run on (nil: the shared default).
    ///   - seed: seeds the initial weight (``Sequential`` redraws it from the model's seed).
    ///   - name: the layer's name (empty: assigned by ``Sequential`` as `conv1`, `conv2`, …).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for channels, kernel, stride, dilation or
    ///   groups below 1, negative padding, or groups that do not divide the channels.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: SpatialPair, stride: SpatialPair = 1,
                padding: Padding = .valid, dilation: SpatialPair = 1, groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer = .glorotUniform, algorithm: ConvolutionAlgorithm = .auto,
                engine: ConvolutionEngine? = nil, seed: UInt64 = 0, name: String = "") throws(SpectralConvError) {
        try ConvolutionLayerValidation.check(layer: "Conv2D", inputChannels: inputChannels, outputChannels: outputChannels,
                                             kernel: kernelSize, stride: stride, dilation: dilation, groups: groups, padding: padding)
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.core = ConvolutionCore(
            weightShape: [outputChannels, inputChannels / groups, kernelSize.height, kernelSize.width], useBias: useBias,
            options: ConvolutionOptions(stride: stride, padding: padding, dilation: dilation, groups: groups),
            initializer: weightInitializer, algorithm: algorithm, engine: engine, seed: seed)
    }

    /// The kernels, `[O, C/G, kH, kW]`.
    public var weight: Parameter<Scalar> { core.weight }
    /// The bias, `[O]`, if the layer has one.
    public var bias: Parameter<Scalar>? { core.bias }
    /// Stride, padding, dilation and groups.
    public var options: ConvolutionOptions { core.options }
    public var algorithm: ConvolutionAlgorithm {
        get { core.algorithm }
        set { core.algorithm = newValue }
    }
    public var engine: ConvolutionEngine {
        get { core.engine }
        set { core.engine = newValue }
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(inputShape, 3, layer: "Conv2D", expected: "a [C, H, W] sample")
        return try core.outputShape(forInputShape: inputShape)
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 4, layer: "Conv2D", expected: "an [N, C, H, W] batch")
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
        Conv2D(name: name, inputChannels: inputChannels, outputChannels: outputChannels, core: ConvolutionCore(replicating: core))
    }
    public func reset(generator: inout SplitMix64) { core.reset(generator: &generator) }

    public var spatialEffect: SpatialEffect {
        let d = options.dilation
        return .window(kernel: SpatialPair(height: d.height * (weight.shape[2] - 1) + 1, width: d.width * (weight.shape[3] - 1) + 1),
                       stride: options.stride)
    }

    public func forwardFlops(inputShape: [Int]) -> Double { core.forwardFlops(inputShape: inputShape) }
}

/// The hyper-parameter checks of the convolution layers, done once in `init`.
enum ConvolutionLayerValidation {
    static func check(layer: String, inputChannels: Int, outputChannels: Int, kernel: SpatialPair, stride: SpatialPair,
                      dilation: SpatialPair, groups: Int, padding: Padding) throws(SpectralConvError) {
        try LayerValidation.requireAtLeast(inputChannels, 1, "inputChannels", layer: layer)
        try LayerValidation.requireAtLeast(outputChannels, 1, "outputChannels", layer: layer)
        try LayerValidation.requireAtLeast(min(kernel.height, kernel.width), 1, "kernelSize", layer: layer)
        try LayerValidation.requireAtLeast(min(stride.height, stride.width), 1, "stride", layer: layer)
        try LayerValidation.requireAtLeast(min(dilation.height, dilation.width), 1, "dilation", layer: layer)
        try LayerValidation.requireAtLeast(groups, 1, "groups", layer: layer)
        guard inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw .invalidArgument("\(layer): groups \(groups) must divide inputChannels \(inputChannels) and outputChannels \(outputChannels)")
        }
        if case .explicit(let top, let bottom, let left, let right) = padding, min(top, bottom, left, right) < 0 {
            throw .invalidArgument("\(layer): padding must be non-negative, got \(padding)")
        }
    }
}
