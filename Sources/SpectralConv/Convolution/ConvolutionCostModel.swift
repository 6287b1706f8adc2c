/// The simple model behind ``ConvolutionAlgorithm/auto``: predicted seconds per path from operation
/// counts and per-thread throughputs, pick the smallest.
///
///     direct  = 2·N·O·(C/G)·Ho·Wo·kH·kW / (threads · directRate)
///     im2col  = same flops / (threads · gemmRate) + unfold bytes / (threads · copyRate)
///     fft     = transform flops / (threads · transformRate) + product flops / (threads · productRate)
///               + copied bytes / (threads · copyRate)
///
/// where the FFT counts come from the layout the FFT path would use (tiles, stride phases, fast
/// sizes; see the FFT path's documentation): transforms at `2.5·T·log2 T` flops each, products at
/// `8·F·B·(C'/G)·O` flops. The default rates are round numbers measured on a 2-core AVX2/AVX-512
/// x86-64 server (Float32, release build with `-target-cpu haswell`); they decide well when one
/// path is clearly cheaper and may misjudge close calls. A measured model replaces them later.
public struct ConvolutionCostModel: Sendable, Hashable {
    /// Useful GFLOP/s per thread of the direct path.
    public var directRate: Double
    /// Useful GFLOP/s per thread of sgemm on an im2col matrix.
    public var gemmRate: Double
    /// GFLOP/s per thread of FFTW (counting 2.5·T·log2 T per real transform).
    public var transformRate: Double
    /// GFLOP/s per thread of the per-bin complex products.
    public var productRate: Double
    /// GB/s per thread of the copies (unfold, padding, tiles).
    public var copyRate: Double

    public init(directRate: Double = 40, gemmRate: Double = 75, transformRate: Double = 8, productRate: Double = 40, copyRate: Double = 8) {
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
            return g.usefulFlops / (parallel * directRate * 1e9)
        case .im2col:
            let unfold = Double(g.batch * g.inChannels * g.kernelHeight * g.kernelWidth * g.outHeight * g.outWidth) * bytes
            return g.usefulFlops / (parallel * gemmRate * 1e9) + unfold / (parallel * copyRate * 1e9)
        case .fft, .auto:
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
