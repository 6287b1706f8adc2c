import SpectralConv

/// 2-D average pooling (Keras' `AveragePooling2D`, PyTorch's `nn.AvgPool2d`): input `[N, C, H, W]`,
/// output `[N, C, Ho, Wo]` with the sizes of ``MaxPool2D``; the stride defaults to the pool size.
///
/// Each output is the mean of the window's elements **inside the input**: padded positions are not
/// counted (Keras' behaviour for `same`; PyTorch's with `count_include_pad=False`). Without padding
/// the divisor is always `kH·kW`. Backward spreads `dy / count` over the window.
public final class AvgPool2D<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "AvgPool2D" }
    public var namePrefix: String { "avgpool" }
    let window: PoolingWindow
    private var cachedInputShape: [Int]?

    /// - Parameters: as ``MaxPool2D``.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for sizes below 1 or padding out of range.
    public init(poolSize: SpatialPair, stride: SpatialPair? = nil, padding: Padding = .valid, name: String = "") throws(SpectralConvError) {
        self.window = try PoolingWindow(layer: "AvgPool2D", size: poolSize, stride: stride, padding: padding)
        self.name = name
    }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        try AvgPool2D(poolSize: window.size, stride: window.stride, padding: window.padding, name: name)
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try window.outputShape(forInputShape: inputShape, layer: "AvgPool2D")
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 4, layer: "AvgPool2D", expected: "an [N, C, H, W] batch")
        let r = try window.resolve(height: input.shape[2], width: input.shape[3], layer: "AvgPool2D")
        var output = Tensor<Scalar>.zeros(shape: [input.shape[0], input.shape[1], r.outHeight, r.outWidth])
        window.averagePool(input, maps: input.shape[0] * input.shape[1], r, into: &output)
        cachedInputShape = input.shape
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { preconditionFailure("AvgPool2D.backward called before forward") }
        let r = try window.resolve(height: shape[2], width: shape[3], layer: "AvgPool2D")
        guard outputGradient.shape == [shape[0], shape[1], r.outHeight, r.outWidth] else {
            throw .invalidShape("AvgPool2D: output gradient \(outputGradient.shape) does not match the last output")
        }
        var inputGradient = Tensor<Scalar>.zeros(shape: shape)
        window.averagePoolBackward(outputGradient, maps: shape[0] * shape[1], r, into: &inputGradient)
        return inputGradient
    }

    public var spatialEffect: SpatialEffect { .window(kernel: window.size, stride: window.stride) }

    /// `kH·kW` additions (one a division) per output.
    public func forwardFlops(inputShape: [Int]) -> Double {
        let outputs = (try? outputShape(forInputShape: inputShape))?.reduce(1, *) ?? 0
        return Double(outputs * window.size.height * window.size.width)
    }
}
