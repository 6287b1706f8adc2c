/// Transposed ("fractionally strided") convolution through the three paths, by its equivalent
/// forward convolution G' (``TransposedConvolutionGeometry/equivalentForward``):
///
/// | transposed | computed as | cost |
/// |---|---|---|
/// | forward `y = Tᵀ(x)` | ``backwardInput(outputGradient:weight:geometry:algorithm:)`` of G' with `dy = x` | one input gradient of G' |
/// | input gradient `dx` | ``forward(input:weight:bias:geometry:algorithm:)`` of G' on `dy` | one forward of G' |
/// | weight gradient `dw` | ``backwardWeight(input:outputGradient:geometry:algorithm:)`` of G' with input `dy`, output gradient `x` | one weight gradient of G' |
/// | bias gradient | `Σ_{n, i, j} dy[n, o, i, j]` | one pass over dy |
///
/// so every path, stride, dilation, group count and the FFT path's frequency-domain gradients carry
/// over, and `auto` resolves through the cost model of the G' operation actually run. When the
/// output padding reaches the stride (allowed below the dilation) G''s output is larger than x: x
/// is extended with zero rows/columns, and G''s forward is cropped back.
extension ConvolutionEngine {
    /// The transposed convolution of `input` with `weight`, plus `bias`.
    /// - Parameters:
    ///   - input: `[N, C_in, H, W]` (or `[N, C_in, L]`).
    ///   - weight: `[C_in, C_out/G, kH, kW]` (or `[C_in, C_out/G, K]`), PyTorch's `ConvTranspose2d` layout.
    ///   - bias: `[C_out]`, or nil.
    ///   - options: stride, padding (valid or explicit), dilation, groups.
    ///   - outputPadding: extra rows/columns at the bottom/right of the output, below the stride or the dilation.
    /// - Returns: `[N, C_out, Ho, Wo]` with `Ho = (H − 1)·sH − padTop − padBottom + dH·(kH − 1) + outputPadding + 1`.
    /// - Throws: ``SpectralConvError`` for shapes or hyper-parameters that do not fit (see ``TransposedConvolutionGeometry``).
    public func transposedForward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>? = nil, options: ConvolutionOptions = .init(),
        outputPadding: SpatialPair = 0, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        let geometry = try TransposedConvolutionGeometry(inputShape: input.shape, weightShape: weight.shape, options: options, outputPadding: outputPadding)
        return try transposedForward(input: input, weight: weight, bias: bias, geometry: geometry, algorithm: algorithm)
    }

    /// The transposed convolution for a resolved geometry (the shapes must match it).
    public func transposedForward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>? = nil, geometry: TransposedConvolutionGeometry,
        algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(input, geometry.inputShape, "input")
        try Self.checkShape(weight, geometry.weightShape, "weight")
        if let bias {
            guard bias.shape == [geometry.outChannels] else {
                throw .invalidShape("bias shape \(bias.shape) does not match the \(geometry.outChannels) output channels; expected [\(geometry.outChannels)]")
            }
        }
        let forward = geometry.equivalentForward
        var y = try backwardInput(outputGradient: Self.resized(input, to: forward.outputShape), weight: weight, geometry: forward, algorithm: algorithm)
        if let bias {
            let parallelism = Parallelism(threads: threads)
            bias.withUnsafeBufferPointer { b in
                y.withUnsafeMutableBufferPointer { y in
                    Self.addBias(b.baseAddress!, to: y.baseAddress!, batch: geometry.batch, channels: geometry.outChannels,
                                 plane: geometry.outHeight * geometry.outWidth, parallelism: parallelism)
                }
            }
        }
        return y
    }

    /// `dL/dx` of the transposed convolution: G''s forward of `outputGradient`.
    /// - Parameter outputGradient: `[N, C_out, Ho, Wo]`. - Returns: `[N, C_in, H, W]`.
    public func transposedBackwardInput<S: TensorScalar>(
        outputGradient: Tensor<S>, weight: Tensor<S>, geometry: TransposedConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        try Self.checkShape(weight, geometry.weightShape, "weight")
        let full = try forward(input: outputGradient, weight: weight, geometry: geometry.equivalentForward, algorithm: algorithm)
        return Self.resized(full, to: geometry.inputShape)
    }

    /// `dL/dw` of the transposed convolution: G''s weight gradient with input `outputGradient` and
    /// output gradient `input`. - Returns: `[C_in, C_out/G, kH, kW]`.
    public func transposedBackwardWeight<S: TensorScalar>(
        input: Tensor<S>, outputGradient: Tensor<S>, geometry: TransposedConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(input, geometry.inputShape, "input")
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        let forward = geometry.equivalentForward
        return try backwardWeight(input: outputGradient, outputGradient: Self.resized(input, to: forward.outputShape), geometry: forward, algorithm: algorithm)
    }

    /// `dL/db[o] = Σ_{n,i,j} dL/dy[n, o, i, j]`, shape `[C_out]`.
    public func transposedBackwardBias<S: TensorScalar>(outputGradient: Tensor<S>, geometry: TransposedConvolutionGeometry) throws(SpectralConvError) -> Tensor<S> {
        try Self.checkShape(outputGradient, geometry.outputShape, "output gradient")
        return Self.reduceBias(outputGradient, batch: geometry.batch, channels: geometry.outChannels, plane: geometry.outHeight * geometry.outWidth)
    }

    /// `[N, C, h, w]` (or `[N, C, l]`) maps cut or zero-extended at the bottom/right to `shape`
    /// (same rank, batch and channels); returns `tensor` itself when the shapes agree.
    static func resized<S: TensorScalar>(_ tensor: Tensor<S>, to shape: [Int]) -> Tensor<S> {
        guard tensor.shape != shape else { return tensor }
        precondition(shape.count == tensor.shape.count && shape.prefix(2) == tensor.shape.prefix(2), "resize keeps batch and channels")
        let oneD = shape.count == 3
        let (h, w) = oneD ? (1, tensor.shape[2]) : (tensor.shape[2], tensor.shape[3])
        let (newH, newW) = oneD ? (1, shape[2]) : (shape[2], shape[3])
        let (rows, columns) = (min(h, newH), min(w, newW))
        var result = Tensor<S>(shape: shape)
        tensor.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for map in 0..<(shape[0] * shape[1]) {
                    for row in 0..<rows {
                        for column in 0..<columns {
                            target[(map * newH + row) * newW + column] = source[(map * h + row) * w + column]
                        }
                    }
                }
            }
        }
        return result
    }
}
