import SpectralConv

/// A 2-D transposed ("fractionally strided") convolution layer, PyTorch's `nn.ConvTranspose2d`:
/// every input element scatters its kernel, scaled, onto the output,
///
///     y[n, g·O/G + o, i·sH + a·dH − pT, j·sW + b·dW − pL] += x[n, c, i, j] · w[c, o, a, b]   (c in group g)
///
/// plus `bias[g·O/G + o]`. It is the adjoint (the input gradient) of the ``Conv2D`` with the same
/// kernel, stride, padding and dilation, so it maps that layer's output size back to its input size.
///
/// - Input `[N, C, H, W]`, weight `[C, O/G, kH, kW]` (PyTorch's `ConvTranspose2d` layout: input
///   channels first), bias `[O]`, output `[N, O, Ho, Wo]` with, per axis,
///   `Ho = (H − 1)·sH − pT − pB + dH·(kH − 1) + outputPadding.height + 1`
///   (``ConvolutionGeometry/transposedOutputSize(input:kernel:stride:padBefore:padAfter:dilation:outputPadding:)``).
///   The kernel may be larger than the input.
/// - Padding is ``Padding/valid`` or ``Padding/explicit(top:bottom:left:right:)`` (output rows and
///   columns removed, as PyTorch's `padding`); `same` and `full` are rejected. Output padding adds
///   rows/columns at the bottom/right and must be below the stride or the dilation on its axis.
/// - ``algorithm`` (direct, im2col, fft, auto, autotune) may change between steps; forward and backward run
///   through ``engine``'s transposed API, i.e. through the three paths of the equivalent forward
///   convolution (see ``TransposedConvolutionGeometry``).
/// - Weights start Glorot-uniform with the fans of the ``Conv2D`` with the same channels and
///   kernel: `fanIn = (C/G)·kH·kW` (the input units that feed an output unit, stride 1) and
///   `fanOut = O·kH·kW`. ``Initializer/fans(of:)`` reads fans off a `[O, C/G, k…]` shape; applied to
///   this `[C, O/G, k…]` weight (as PyTorch's and Keras' helpers do) it would swap the roles of C
///   and O — the same Glorot limit when `G = 1`, but He scaled by the output channels and, with
///   groups, a different Glorot limit. Biases start at 0.
/// - Summary: the receptive field of one output unit is `ceil((dH·(kH − 1) + 1) / sH)` input rows
///   (and likewise columns) — the most input positions a dilated kernel window holds once the input
///   is spread `s` apart — and the units that follow see `s` times fewer input units per unit of
///   their own (``SpatialEffect/transposedWindow(kernel:stride:)``). Forward FLOPs per sample:
///   `2·C·(O/G)·H·W·kH·kW` (each scatter multiply-add, including those the padding crops) plus
///   `O·Ho·Wo` bias additions.
public final class ConvTranspose2D<Scalar: TensorScalar>: ConvolutionLayer {
    public var name: String
    public var typeName: String { "ConvTranspose2D" }
    public var namePrefix: String { "convtranspose" }
    /// Input channels C.
    public let inputChannels: Int
    /// Output channels O.
    public let outputChannels: Int
    /// The kernels, `[C, O/G, kH, kW]`.
    public let weight: Parameter<Scalar>
    /// The bias, `[O]`, if the layer has one.
    public let bias: Parameter<Scalar>?
    /// Stride, padding (valid or explicit), dilation and groups.
    public let options: ConvolutionOptions
    /// Extra rows/columns at the bottom/right of the output.
    public let outputPadding: SpatialPair
    /// The weight's distribution on ``reset(generator:)``.
    public let weightInitializer: Initializer
    public var algorithm: ConvolutionAlgorithm
    public var engine: ConvolutionEngine
    private var cachedInput: Tensor<Scalar>?
    private var cachedGeometry: TransposedConvolutionGeometry?

    /// - Parameters:
    ///   - inputChannels: C (≥ 1, divisible by `groups`).
    ///   - outputChannels: O (≥ 1, divisible by `groups`).
    ///   - kernelSize: `kH × kW` (an integer literal means square); may exceed the input.
    ///   - stride, dilation, groups: as ``ConvolutionOptions``.
    ///   - padding: ``Padding/valid`` or explicit (PyTorch's `padding`: rows/columns removed from the output).
    ///   - outputPadding: extra bottom/right rows/columns (PyTorch's `output_padding`), below the
    ///     stride or the dilation on its axis.
    ///   - useBias: whether the layer has a bias `[O]`.
    ///   - weightInitializer: the weight's distribution (``Initializer/glorotUniform``, Keras' default).
    ///   - algorithm: the convolution path.
    ///   - engine: the engine to run on (nil: the shared default).
    ///   - seed: seeds the initial weight (``Sequential`` redraws it from the model's seed).
    ///   - name: the layer's name (empty: assigned by ``Sequential`` as `convtranspose1`, …).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for channels, kernel, stride, dilation or
    ///   groups below 1, groups that do not divide the channels, negative, `same` or `full` padding,
    ///   and output padding that is negative or not below the stride or the dilation.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: SpatialPair, stride: SpatialPair = 1,
                padding: Padding = .valid, outputPadding: SpatialPair = 0, dilation: SpatialPair = 1, groups: Int = 1,
                useBias: Bool = true, weightInitializer: Initializer = .glorotUniform, algorithm: ConvolutionAlgorithm = .auto,
                engine: ConvolutionEngine? = nil, seed: UInt64 = 0, name: String = "") throws(SpectralConvError) {
        let layer = "ConvTranspose2D"
        try ConvolutionLayerValidation.check(layer: layer, inputChannels: inputChannels, outputChannels: outputChannels,
                                             kernel: kernelSize, stride: stride, dilation: dilation, groups: groups, padding: padding)
        switch padding {
        case .valid, .explicit: break
        case .same, .full:
            throw .invalidArgument("\(layer) takes valid or explicit padding (PyTorch's padding), got \(padding)")
        }
        for (axis, extra, s, d) in [("height", outputPadding.height, stride.height, dilation.height),
                                    ("width", outputPadding.width, stride.width, dilation.width)] {
            guard extra >= 0, extra < s || extra < d else {
                throw .invalidArgument("\(layer): outputPadding \(extra) along \(axis) must be non-negative and below the stride \(s) or the dilation \(d)")
            }
        }
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.options = ConvolutionOptions(stride: stride, padding: padding, dilation: dilation, groups: groups)
        self.outputPadding = outputPadding
        self.weightInitializer = weightInitializer
        self.algorithm = algorithm
        self.engine = engine ?? SharedEngine.default
        var generator = SplitMix64(seed: seed)
        let shape = [inputChannels, outputChannels / groups, kernelSize.height, kernelSize.width]
        weight = Parameter(name: "weight", value: weightInitializer.tensor(shape: shape, fans: Self.fans(of: shape, groups: groups),
                                                                           generator: &generator))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [outputChannels])) : nil
    }

    /// The fans of a `[C, O/G, kH, kW]` weight: `((C/G)·kH·kW, O·kH·kW)`, those of the ``Conv2D``
    /// from C to O channels with the same kernel.
    public static func fans(of weightShape: [Int], groups: Int) -> (fanIn: Int, fanOut: Int) {
        let receptive = weightShape.dropFirst(2).reduce(1, *)
        return (weightShape[0] / groups * receptive, weightShape[1] * groups * receptive)
    }

    public var parameters: [Parameter<Scalar>] { bias.map { [weight, $0] } ?? [weight] }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try ConvTranspose2D(inputChannels: inputChannels, outputChannels: outputChannels,
                                       kernelSize: SpatialPair(height: weight.shape[2], width: weight.shape[3]), stride: options.stride,
                                       padding: options.padding, outputPadding: outputPadding, dilation: options.dilation,
                                       groups: options.groups, useBias: bias != nil, weightInitializer: weightInitializer,
                                       algorithm: algorithm, engine: engine, name: name)
        copy.weight.value = weight.value
        if let bias { copy.bias?.value = bias.value }
        return copy
    }

    public func reset(generator: inout SplitMix64) {
        weight.value = weightInitializer.tensor(shape: weight.shape, fans: Self.fans(of: weight.shape, groups: options.groups),
                                                generator: &generator)
        bias?.value = Tensor(shape: [outputChannels])
    }

    /// The geometry for a batch of `inputShape` (full shape, batch first).
    func geometry(inputShape: [Int]) throws(SpectralConvError) -> TransposedConvolutionGeometry {
        guard inputShape[1] == inputChannels else {
            throw .invalidShape("ConvTranspose2D expects \(inputChannels) input channels, got \(inputShape[1]) in \(inputShape)")
        }
        return try TransposedConvolutionGeometry(inputShape: inputShape, weightShape: weight.shape, options: options,
                                                 outputPadding: outputPadding)
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(inputShape, 3, layer: "ConvTranspose2D", expected: "a [C, H, W] sample")
        return Array(try geometry(inputShape: [1] + inputShape).outputShape.dropFirst())
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 4, layer: "ConvTranspose2D", expected: "an [N, C, H, W] batch")
        let geometry = try geometry(inputShape: input.shape)
        cachedInput = input
        cachedGeometry = geometry
        return try engine.transposedForward(input: input, weight: weight.value, bias: bias?.value, geometry: geometry, algorithm: algorithm)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let input = cachedInput, let geometry = cachedGeometry else {
            preconditionFailure("ConvTranspose2D.backward called before forward")
        }
        guard outputGradient.shape == geometry.outputShape else {
            throw .invalidShape("ConvTranspose2D: output gradient \(outputGradient.shape) does not match the output \(geometry.outputShape)")
        }
        weight.gradient = try engine.transposedBackwardWeight(input: input, outputGradient: outputGradient, geometry: geometry, algorithm: algorithm)
        if let bias { bias.gradient = try engine.transposedBackwardBias(outputGradient: outputGradient, geometry: geometry) }
        return try engine.transposedBackwardInput(outputGradient: outputGradient, weight: weight.value, geometry: geometry, algorithm: algorithm)
    }

    public var spatialEffect: SpatialEffect {
        let d = options.dilation
        return .transposedWindow(kernel: SpatialPair(height: d.height * (weight.shape[2] - 1) + 1, width: d.width * (weight.shape[3] - 1) + 1),
                                 stride: options.stride)
    }

    /// `2·C·(O/G)·H·W·kH·kW` (the scatter's multiply-adds) plus `O·Ho·Wo` bias additions for one sample.
    public func forwardFlops(inputShape: [Int]) -> Double {
        guard inputShape.count == 3, let geometry = try? geometry(inputShape: [1] + inputShape) else { return 0 }
        return geometry.usefulFlops + (bias == nil ? 0 : Double(geometry.outChannels * geometry.outHeight * geometry.outWidth))
    }
}
