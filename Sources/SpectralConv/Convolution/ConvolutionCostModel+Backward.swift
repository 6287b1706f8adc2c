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
    /// and channels exchanged), so their prediction is the forward prediction of those geometries —
    /// for the FFT that includes the transform sizes and tiles the FFT layout would choose for them.
    /// For the direct path the derived weight-gradient convolution has only `kW` output columns, so
    /// the prediction is scaled by the unused vector lanes, `⌈Wo'/8⌉·8 / Wo'`; stride-1 weight
    /// gradients use the direct path's own kernel (dot products over the wide plane), predicted as
    /// the useful flops times `Wp/Wo` and the 3-column blocking, plus the copy of dy. The im2col gradients
    /// are GEMMs of the forward's sizes plus a fold (or unfold) of the forward's matrix: the forward
    /// prediction. Copies of dy and x add `elements · 4 B / copyRate`.
    public func predictedBackwardSeconds(
        for geometry: ConvolutionGeometry, gradient: ConvolutionGradient, algorithm: ConvolutionAlgorithm, threads: Int
    ) -> Double {
        if algorithm == .im2col { return predictedSeconds(for: geometry, algorithm: .im2col, threads: threads) }
        let parallel = Double(max(1, threads))
        func derivedSeconds(_ derived: ConvolutionGeometry) -> Double {
            let seconds = predictedSeconds(for: derived, algorithm: algorithm, threads: threads)
            guard algorithm == .direct else { return seconds }
            let lanes = 8
            return seconds * Double((derived.outWidth + lanes - 1) / lanes * lanes) / Double(derived.outWidth)
        }
        switch gradient {
        case .input:
            let phases = InputGradientDecomposition(geometry).phases
            return phases.reduce(0) { total, phase in
                guard let derived = phase.geometry else { return total }
                let copies = phase.usesWholeGradient ? 0 : Double(derived.inputShape.reduce(1, *)) * 4
                return total + derivedSeconds(derived) + copies / (parallel * copyRate * 1e9)
            }
        case .weight:
            if algorithm == .direct && DirectConvolution.hasWeightGradientKernel(geometry) {
                // The wide-plane kernel: Wp/Wo of the useful work, kernel columns in blocks of 3,
                // 4-channel output blocks, plus the copy of dy into the wide layout.
                let g = geometry
                let wp = g.width + g.padLeft + g.padRight
                let columns = Double((g.kernelWidth + 2) / 3 * 3) / Double(g.kernelWidth)
                let efficiency = min(1, Double(g.outChannelsPerGroup) / 4)
                let work = g.usefulFlops * Double(wp) / Double(g.outWidth) * columns
                let copy = Double(g.batch * g.outChannels * g.outHeight * wp) * 4
                return work / (parallel * directRate * efficiency * 1e9) + copy / (parallel * copyRate * 1e9)
            }
            guard let derived = WeightGradientDecomposition(geometry).geometry else { return 0 }
            let copies = Double(derived.inputShape.reduce(1, *) + derived.weightShape.reduce(1, *)) * 4
            return derivedSeconds(derived) + copies / (parallel * copyRate * 1e9)
        }
    }

    /// The concrete path with the smallest predicted backward time for `gradient` (ties go to the
    /// earlier of direct, im2col, fft).
    public func fastestBackward(for geometry: ConvolutionGeometry, gradient: ConvolutionGradient, threads: Int) -> ConvolutionAlgorithm {
        var best = ConvolutionAlgorithm.direct
        var bestSeconds = Double.infinity
        for algorithm in ConvolutionAlgorithm.concrete {
            let seconds = predictedBackwardSeconds(for: geometry, gradient: gradient, algorithm: algorithm, threads: threads)
            if seconds < bestSeconds {
                best = algorithm
                bestSeconds = seconds
            }
        }
        return best
    }
}
