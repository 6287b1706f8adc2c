/// Which gradient of a convolution a backward call computes.
public enum ConvolutionGradient: String, Sendable, CaseIterable, Hashable {
    /// `dL/dx`.
    case input
    /// `dL/dw`.
    case weight
}

extension ConvolutionCostModel {
    /// Predicted seconds of one gradient through `algorithm` (a concrete path).
    ///
    /// The direct and FFT paths compute gradients as forward convolutions on derived geometries
    /// (``InputGradientDecomposition``: one per stride phase; ``WeightGradientDecomposition``: batch
    /// and channels exchanged), so their terms are the forward terms of those geometries — for the
    /// FFT including the transform sizes and tiles the FFT layout would choose for them — plus the
    /// copies of dy and x (see ``ConvolutionCostTerms/backward(_:gradient:algorithm:threads:)``).
    /// The im2col gradients are GEMMs of the forward's sizes plus a fold (or unfold) of the
    /// forward's matrix: the forward terms. The coefficients are the calibration's for that
    /// gradient when a `--backward` sweep fitted them, else the forward ones (``coefficients(for:pass:)``).
    public func predictedBackwardSeconds(
        for geometry: ConvolutionGeometry, gradient: ConvolutionGradient, algorithm: ConvolutionAlgorithm, threads: Int
    ) -> Double {
        predictedSeconds(for: geometry, algorithm: algorithm, pass: ConvolutionPass(gradient), threads: threads)
    }

    /// The concrete path with the smallest predicted backward time for `gradient` (ties go to the
    /// earlier of direct, im2col, fft).
    public func fastestBackward(for geometry: ConvolutionGeometry, gradient: ConvolutionGradient, threads: Int) -> ConvolutionAlgorithm {
        fastest(for: geometry, pass: ConvolutionPass(gradient), threads: threads)
    }
}
