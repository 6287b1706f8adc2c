import SpectralConv

/// 2-D max pooling (Keras' `MaxPooling2D`, PyTorch's `nn.MaxPool2d`): input `[N, C, H, W]`, output
/// `[N, C, Ho, Wo]` with `Ho = floor((H + pT + pB − k) / s) + 1`; padded positions never win
/// (they count as −∞). The stride defaults to the pool size.
///
/// Backward routes each output gradient to the input element that was the maximum (the first one
/// in row-major order on ties).
public final class MaxPool2D<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { "MaxPool2D" }
    public var namePrefix: String { "maxpool" }
    let window: PoolingWindow
    /// Threads for the pooling loop (planes spread over them; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    private var cachedArgmax: [Int] = []
    private var cachedInputShape: [Int]?

    /// - Parameters:
    ///   - poolSize: the window `kH × kW`.
    ///   - stride: the step (nil: the pool size, as in Keras and PyTorch).
    ///   - padding: `valid`, `same` (TensorFlow's) or explicit, at most half the window per side.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for sizes below 1 or padding out of range.
    public init(poolSize: SpatialPair, stride: SpatialPair? = nil, padding: Padding = .valid, name: String = "") throws(SpectralConvError) {
        self.window = try PoolingWindow(layer: "MaxPool2D", size: poolSize, stride: stride, padding: padding)
        self.name = name
    }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try MaxPool2D<Scalar>(poolSize: window.size, stride: window.stride, padding: window.padding, name: name)
        copy.parallelism = parallelism
        return copy
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try window.outputShape(forInputShape: inputShape, layer: "MaxPool2D")
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 4, layer: "MaxPool2D", expected: "an [N, C, H, W] batch")
        let r = try window.resolve(height: input.shape[2], width: input.shape[3], layer: "MaxPool2D")
        let maps = input.shape[0] * input.shape[1]
        // Every output and arg-max element is written by the pooling loop: no zero-fill first.
        let shape = [input.shape[0], input.shape[1], r.outHeight, r.outWidth]
        var output = Tensor<Scalar>(shape: shape, unsafeUninitialized: { _ in })
        var argmax = [Int](unsafeUninitializedCapacity: output.count) { _, initialized in initialized = output.count }
        window.maxPool(input, maps: maps, r, into: &output, argmax: &argmax, parallelism: parallelism)
        cachedArgmax = argmax
        cachedInputShape = input.shape
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { preconditionFailure("MaxPool2D.backward called before forward") }
        guard outputGradient.count == cachedArgmax.count else {
            throw .invalidShape("MaxPool2D: output gradient \(outputGradient.shape) does not match the last output")
        }
        return PoolingWindow.scatter(outputGradient, to: cachedArgmax, inputShape: shape, parallelism: parallelism)
    }

    public var spatialEffect: SpatialEffect { .window(kernel: window.size, stride: window.stride) }

    /// `kH·kW − 1` comparisons per output.
    public func forwardFlops(inputShape: [Int]) -> Double {
        let outputs = (try? outputShape(forInputShape: inputShape))?.reduce(1, *) ?? 0
        return Double(outputs * (window.size.height * window.size.width - 1))
    }
}
