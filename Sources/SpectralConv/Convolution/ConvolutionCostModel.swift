/// The simple model behind ``ConvolutionAlgorithm/auto``: predicted seconds per path from operation
/// counts and per-thread throughputs, pick the smallest.
///
///     direct  = 2·N·O·(C/G)·Ho·Wo·kH·kW / (threads · directRate · min(1, (O/G)/4))
///     im2col  = same flops / (threads · gemmRate · min(1, (O/G)/16) · min(1, (C/G)·kH·kW/32))
///               + unfolded bytes / (threads · copyRate)
///     fft     = transform flops / (threads · transformRate) + product flops / (threads · productRate)
///               + copied bytes / (threads · copyRate)
///
/// The efficiency factors say what the kernels need to run at full speed: the direct path's
/// register block covers 4 output channels, and sgemm wants at least ~16 rows and a ~32-long inner
/// dimension. The FFT counts come from the layout the FFT path itself would choose (tiles, stride
/// phases, transform sizes weighted by how well FFTW handles them, pruned kernel transforms):
/// transforms at `2.5·T·log2 T` flops, products at `8·F·B·(C'/G)·O`. The default rates were
/// measured on this project's 2-core AVX2/AVX-512 x86-64 machines (Float32, release build with
/// `-target-cpu haswell`); they decide well when one path is clearly cheaper and may misjudge close
/// calls. A calibrated model replaces them later.
public struct ConvolutionCostModel: Sendable, Hashable {
    /// Useful GFLOP/s per thread of the direct path at full efficiency.
    public var directRate: Double
    /// Useful GFLOP/s per thread of sgemm on an im2col matrix at full efficiency.
    public var gemmRate: Double
    /// GFLOP/s per thread of FFTW (counting 2.5·T·log2 T per real transform).
    public var transformRate: Double
    /// GFLOP/s per thread of the per-bin complex products.
    public var productRate: Double
    /// GB/s per thread of the copies (unfold, padding, tiles, packing).
    public var copyRate: Double

    public init(directRate: Double = 85, gemmRate: Double = 80, transformRate: Double = 14, productRate: Double = 36, copyRate: Double = 8) {
        self.directRate = directRate
        self.gemmRate = gemmRate
        self.transformRate = transformRate
        self.productRate = productRate
        self.copyRate = copyRate
    }

    /// The documented default rates.
    public static let `default` = ConvolutionCostModel()

    /// Predicted seconds for `algorithm` (a concrete path) on `geometry` with `threads` threads.
    public func predictedSeconds(for geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, threads: Int) -> Double {
        let g = geometry
        let parallel = Double(max(1, threads))
        let bytes = 4.0
        switch algorithm {
        case .direct:
            let efficiency = min(1, Double(g.outChannelsPerGroup) / 4)
            return g.usefulFlops / (parallel * directRate * efficiency * 1e9)
        case .im2col:
            let inner = Double(g.inChannelsPerGroup * g.kernelHeight * g.kernelWidth)
            let efficiency = min(1, Double(g.outChannelsPerGroup) / 16) * min(1, inner / 32)
            let unfold = Double(g.batch * g.inChannels * g.kernelHeight * g.kernelWidth * g.outHeight * g.outWidth) * bytes
            return g.usefulFlops / (parallel * gemmRate * efficiency * 1e9) + unfold / (parallel * copyRate * 1e9)
        case .fft, .auto, .autotune:
            let layout = FFTConvolutionLayout(geometry: g)
            let maps = layout.batchItems * (layout.phaseChannels + g.outChannels) + g.outChannels * layout.phaseChannelsPerGroup
            let copies = Double(maps * layout.points) * bytes + Double(layout.bins * maps) * 2 * bytes
            return layout.transformFlops / (parallel * transformRate * 1e9)
                + layout.productFlops / (parallel * productRate * 1e9)
                + copies / (parallel * copyRate * 1e9)
        }
    }
    /// The concrete path with the smallest predicted time (ties go to the earlier of direct, im2col, fft).
    public func fastest(for geometry: ConvolutionGeometry, threads: Int) -> ConvolutionAlgorithm {
        var best = ConvolutionAlgorithm.direct
        var bestSeconds = Double.infinity
        for algorithm in ConvolutionAlgorithm.concrete {
            let seconds = predictedSeconds(for: geometry, algorithm: algorithm, threads: threads)
            if seconds < bestSeconds {
                best = algorithm
                bestSeconds = seconds
            }
        }
        return best
    }
}
