// PLACEHOLDER (being replaced on the backward-pass branch): every algorithm currently computes its
// gradients with ReferenceConvolution's loops. The signatures are final.

extension ConvolutionEngine {
    /// `dL/dx` for the forward convolution described by `geometry`.
    /// - Parameters:
    ///   - outputGradient: `dL/dy`, `[N, O, Ho, Wo]` (or `[N, O, Lo]`).
    ///   - weight: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    /// - Returns: `[N, C, H, W]` (or `[N, C, L]`).
    public func backwardInput<S: TensorScalar>(
        outputGradient: Tensor<S>, weight: Tensor<S>, geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try ReferenceConvolution.backwardInput(outputGradient: outputGradient, weight: weight, geometry: geometry)
    }

    /// `dL/dw` for the forward convolution described by `geometry`.
    /// - Parameters:
    ///   - input: `x`, `[N, C, H, W]` (or `[N, C, L]`).
    ///   - outputGradient: `dL/dy`, `[N, O, Ho, Wo]` (or `[N, O, Lo]`).
    /// - Returns: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    public func backwardWeight<S: TensorScalar>(
        input: Tensor<S>, outputGradient: Tensor<S>, geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        try ReferenceConvolution.backwardWeight(input: input, outputGradient: outputGradient, geometry: geometry)
    }

    /// `dL/db[o] = Σ_{n,i,j} dL/dy[n, o, i, j]`, shape `[O]`.
    public func backwardBias<S: TensorScalar>(outputGradient: Tensor<S>, geometry: ConvolutionGeometry) throws(SpectralConvError) -> Tensor<S> {
        try ReferenceConvolution.backwardBias(outputGradient: outputGradient, geometry: geometry)
    }
}
