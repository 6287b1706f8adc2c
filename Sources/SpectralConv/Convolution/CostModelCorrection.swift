import Foundation

/// A calibration's **local correction** of one path's predictions: what the fitted cost terms
/// still get wrong near the layers that were measured, carried over to layers close to them.
///
/// The fitted terms (``CostModelFit``) are operation counts times machine rates; they capture how
/// time grows with the work, not everything a real implementation does at a given size — an FFT
/// length FFTW plans badly under `estimate`, a GEMM shape OpenBLAS blocks poorly, a single-channel
/// direct kernel that is faster than its 4-channel register block suggests. Those errors are
/// systematic and vary smoothly across neighbouring layers, so each measured layer `i` keeps its
/// residual `r_i = ln(measured_i / predicted_i)` and a prediction for layer `x` is multiplied by
///
///     exp(ĉ(x)),   ĉ(x) = Σ_i w_i(x)·r_i / (λ + Σ_i w_i(x)),   w_i(x) = exp(−|f(x) − f(x_i)|² / (2h²))
///
/// — a kernel-weighted mean of the nearby residuals (Nadaraya–Watson), shrunk towards no
/// correction by the pseudo-count `λ` (``shrinkage``) where few measured layers are near. Far from
/// every measured layer (another batch size, thread count, stride or channel count) `Σ w → 0` and
/// the prediction is the fitted terms' alone.
///
/// Features `f` (``Layer/features(fftLayout:)``), all logarithmic so that distances are ratios: input
/// channels per group, output channels, output points (`½·ln(Ho·Wo)`), kernel taps
/// (`½·ln(kH·kW)`), batch, threads (`3·log2 t`: paths scale differently with threads, so one
/// thread is as far from two as a different kind of layer), stride (`ln(sH·sW)`), groups, plus
/// flags that separate layers that run different code (a 1×1 kernel, a single row) by 3 units.
/// The FFT path's correction also measures distance in the layout it runs (``FFTConvolutionLayout``:
/// `ln(TH·TW)` of the transforms and `ln` of the tiles per image), because its real cost follows
/// the lengths FFTW transforms and the tiling more than the layer's shape: on a 128² single-channel
/// image a 21×21 kernel runs nine 64² tiles and a 24×24 one a single 160² pair. On the default
/// sweep's grid, neighbouring kernel sizes are 0.4–1.1 apart, sizes 0.7, channel counts 1.4–2.8.
///
/// The bandwidth `h` and shrinkage `λ` are chosen per path by leave-one-out cross-validation
/// (``fitted(residuals:fftLayout:)``): each measured layer is predicted from the others, and the
/// pair with the smallest root-mean-square leave-one-out error wins; the correction is kept only
/// if that error is clearly below the residuals' own (``keepRatio``), so it is never kept when it
/// does not help on layers it did not see.
///
/// Cost: one exponential per measured layer per prediction (a few hundred); ``ConvolutionCostModel``
/// remembers its choices per layer, so `auto` pays it once per layer shape.
public struct CostModelCorrection: Sendable, Hashable {
    /// What identifies a measured layer (as written in the calibration file).
    public struct Layer: Codable, Sendable, Hashable {
        public var batch: Int
        public var inChannelsPerGroup: Int
        public var outChannels: Int
        public var groups: Int
        public var outHeight: Int
        public var outWidth: Int
        public var kernelHeight: Int
        public var kernelWidth: Int
        public var strideHeight: Int
        public var strideWidth: Int
        public var threads: Int
        public var oneDimensional: Bool
        /// The FFT path's layout of the layer (``FFTConvolutionLayout``): transform size and tiles
        /// per image (stride phases included).
        public var fftTransformHeight: Int
        public var fftTransformWidth: Int
        public var fftTiles: Int

        enum CodingKeys: String, CodingKey {
            case batch, groups, threads
            case fftTransformHeight = "fft_transform_height", fftTransformWidth = "fft_transform_width", fftTiles = "fft_tiles"
            case inChannelsPerGroup = "in_channels_per_group", outChannels = "out_channels"
            case outHeight = "out_height", outWidth = "out_width"
            case kernelHeight = "kernel_height", kernelWidth = "kernel_width"
            case strideHeight = "stride_height", strideWidth = "stride_width"
            case oneDimensional = "one_dimensional"
        }

        /// The layer of `g` at `threads` threads, with the FFT layout laid out with `lengthCosts`
        /// (the calibration's measured transform costs; nil: the fixed rule).
        public init(_ g: ConvolutionGeometry, threads: Int, lengthCosts: FFTLengthCosts? = nil) {
            batch = g.batch
            inChannelsPerGroup = g.inChannelsPerGroup
            outChannels = g.outChannels
            groups = g.groups
            outHeight = g.outHeight
            outWidth = g.outWidth
            kernelHeight = g.effectiveKernelHeight
            kernelWidth = g.effectiveKernelWidth
            strideHeight = g.stride.height
            strideWidth = g.stride.width
            self.threads = threads
            oneDimensional = g.isOneDimensional
            let layout = FFTConvolutionLayout(geometry: g, lengthCosts: lengthCosts)
            fftTransformHeight = layout.transformHeight
            fftTransformWidth = layout.transformWidth
            fftTiles = layout.tilesHigh * layout.tilesWide * layout.phases
        }

        /// Decodes a layer; one written without its FFT layout (the fields came later) gets the
        /// layout of an unpadded layer with the same output, kernel, stride and channels — the
        /// same layout, which depends on nothing else.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            batch = try c.decode(Int.self, forKey: .batch)
            inChannelsPerGroup = try c.decode(Int.self, forKey: .inChannelsPerGroup)
            outChannels = try c.decode(Int.self, forKey: .outChannels)
            groups = try c.decode(Int.self, forKey: .groups)
            outHeight = try c.decode(Int.self, forKey: .outHeight)
            outWidth = try c.decode(Int.self, forKey: .outWidth)
            kernelHeight = try c.decode(Int.self, forKey: .kernelHeight)
            kernelWidth = try c.decode(Int.self, forKey: .kernelWidth)
            strideHeight = try c.decode(Int.self, forKey: .strideHeight)
            strideWidth = try c.decode(Int.self, forKey: .strideWidth)
            threads = try c.decode(Int.self, forKey: .threads)
            oneDimensional = try c.decode(Bool.self, forKey: .oneDimensional)
            if let height = try c.decodeIfPresent(Int.self, forKey: .fftTransformHeight),
               let width = try c.decodeIfPresent(Int.self, forKey: .fftTransformWidth),
               let tiles = try c.decodeIfPresent(Int.self, forKey: .fftTiles) {
                (fftTransformHeight, fftTransformWidth, fftTiles) = (height, width, tiles)
                return
            }
            (fftTransformHeight, fftTransformWidth, fftTiles) = (1, 1, 1)
            guard isValid else { return }
            let width = (outWidth - 1) * strideWidth + kernelWidth, height = (outHeight - 1) * strideHeight + kernelHeight
            let channels = inChannelsPerGroup * groups
            let input = oneDimensional ? [batch, channels, width] : [batch, channels, height, width]
            let weight = oneDimensional ? [outChannels, inChannelsPerGroup, kernelWidth] : [outChannels, inChannelsPerGroup, kernelHeight, kernelWidth]
            let stride = SpatialPair(height: oneDimensional ? 1 : strideHeight, width: strideWidth)
            guard let g = try? ConvolutionGeometry(inputShape: input, weightShape: weight,
                                                   options: ConvolutionOptions(stride: stride, groups: groups)) else { return }
            let layout = FFTConvolutionLayout(geometry: g)
            (fftTransformHeight, fftTransformWidth, fftTiles) = (layout.transformHeight, layout.transformWidth,
                                                                 layout.tilesHigh * layout.tilesWide * layout.phases)
        }

        /// The feature vector the distances are measured in (see the type's documentation); with
        /// `fftLayout`, also the FFT's transform size (`ln(TH·TW)`) and tiles (`ln tiles`).
        public func features(fftLayout: Bool) -> [Double] {
            func ln(_ value: Int) -> Double { log(Double(max(1, value))) }
            let layer = [
                ln(inChannelsPerGroup), ln(outChannels), 0.5 * ln(outHeight * outWidth), 0.5 * ln(kernelHeight * kernelWidth),
                ln(batch), 3 * log2(Double(max(1, threads))), ln(strideHeight * strideWidth), ln(groups),
                kernelHeight * kernelWidth == 1 ? 3 : 0, oneDimensional ? 3 : 0,
            ]
            return fftLayout ? layer + [ln(fftTransformHeight * fftTransformWidth), ln(fftTiles)] : layer
        }

        /// Whether every value is usable (positive sizes).
        var isValid: Bool {
            [batch, inChannelsPerGroup, outChannels, groups, outHeight, outWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, threads,
             fftTransformHeight, fftTransformWidth, fftTiles].allSatisfy { $0 >= 1 }
        }
    }

    /// One measured layer and `ln(measured / predicted)` there.
    public struct Residual: Codable, Sendable, Hashable {
        public var layer: Layer
        public var logRatio: Double

        enum CodingKeys: String, CodingKey {
            case layer
            case logRatio = "log_ratio"
        }

        public init(layer: Layer, logRatio: Double) {
            self.layer = layer
            self.logRatio = logRatio
        }
    }

    /// The kernel width `h`, in feature units.
    public var bandwidth: Double
    /// The pseudo-count `λ` of "no correction" added to the weights.
    public var shrinkage: Double
    /// Whether distances include the FFT layout's transform size and tiles (the FFT path's
    /// correction: its real costs depend on the lengths FFTW transforms and on the tiling more than
    /// on the layer's shape).
    public var fftLayout: Bool { didSet { points = residuals.map { $0.layer.features(fftLayout: fftLayout) } } }
    /// The measured layers and their residuals.
    public var residuals: [Residual] { didSet { points = residuals.map { $0.layer.features(fftLayout: fftLayout) } } }
    /// The root-mean-square leave-one-out error of the corrected predictions (ln units), when known.
    public var leaveOneOutRMS: Double?
    /// The residuals' features, computed once.
    private var points: [[Double]]

    public init(bandwidth: Double, shrinkage: Double, residuals: [Residual], fftLayout: Bool = false, leaveOneOutRMS: Double? = nil) {
        self.bandwidth = bandwidth
        self.shrinkage = shrinkage
        self.residuals = residuals
        self.fftLayout = fftLayout
        self.leaveOneOutRMS = leaveOneOutRMS
        points = residuals.map { $0.layer.features(fftLayout: fftLayout) }
    }

    public static func == (lhs: CostModelCorrection, rhs: CostModelCorrection) -> Bool {
        lhs.bandwidth == rhs.bandwidth && lhs.shrinkage == rhs.shrinkage && lhs.residuals == rhs.residuals
            && lhs.fftLayout == rhs.fftLayout && lhs.leaveOneOutRMS == rhs.leaveOneOutRMS
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bandwidth)
        hasher.combine(shrinkage)
        hasher.combine(residuals)
    }

    /// The correction at `layer`: `ĉ` (multiply predictions by `exp(ĉ)`) and `Σ w`, the weight of
    /// the measured layers behind it (0 far from all of them).
    public func logCorrection(at layer: Layer) -> (logFactor: Double, weight: Double) {
        Self.estimate(at: layer.features(fftLayout: fftLayout), points: points, residuals: residuals.map(\.logRatio),
                      bandwidth: bandwidth, shrinkage: shrinkage, leavingOut: nil)
    }

    /// The factor predictions at `geometry` with `threads` threads are multiplied by (its FFT
    /// layout laid out with `lengthCosts`, as the calibration's layers were).
    public func factor(for geometry: ConvolutionGeometry, threads: Int, lengthCosts: FFTLengthCosts? = nil) -> Double {
        exp(logCorrection(at: Layer(geometry, threads: threads, lengthCosts: lengthCosts)).logFactor)
    }

    static func estimate(at x: [Double], points: [[Double]], residuals: [Double], bandwidth: Double, shrinkage: Double,
                         leavingOut skipped: Int?) -> (logFactor: Double, weight: Double) {
        guard bandwidth > 0 else { return (0, 0) }
        let scale = 1 / (2 * bandwidth * bandwidth)
        var weighted = 0.0, total = 0.0
        for (index, point) in points.enumerated() where index != skipped {
            var squared = 0.0
            for (a, b) in zip(x, point) { squared += (a - b) * (a - b) }
            let w = exp(-squared * scale)
            weighted += w * residuals[index]
            total += w
        }
        return (total > 0 ? weighted / (shrinkage + total) : 0, total)
    }

    /// Bandwidths and shrinkages tried by ``fitted(residuals:fftLayout:)``.
    public static let bandwidths: [Double] = [0.2, 0.3, 0.4, 0.5, 0.7, 1.0]
    public static let shrinkages: [Double] = [0.1, 0.3, 1]

    /// A correction is kept only if its leave-one-out error is below this fraction of the
    /// uncorrected one (the rms of the residuals themselves)…
    public static let keepRatio = 0.95
    /// …and the residuals' rms exceeds this (1%: terms that fit that well need no correction).
    public static let minimumResidualRMS = 0.01

    /// The correction of `residuals` with the bandwidth and shrinkage of the smallest
    /// leave-one-out root-mean-square error (ties: the wider, more shrunk one; the error is kept in
    /// ``leaveOneOutRMS``); nil when that does not beat no correction by ``keepRatio``, when the
    /// residuals are already below ``minimumResidualRMS``, or when fewer than two are usable.
    public static func fitted(residuals: [Residual], fftLayout: Bool = false) -> CostModelCorrection? {
        let usable = residuals.filter { $0.logRatio.isFinite && $0.layer.isValid }
        guard usable.count >= 2 else { return nil }
        let points = usable.map { $0.layer.features(fftLayout: fftLayout) }
        let values = usable.map(\.logRatio)
        let uncorrected = CostModelFit.rootMeanSquare(values)
        var best: (bandwidth: Double, shrinkage: Double, rms: Double)?
        for bandwidth in bandwidths {
            for shrinkage in shrinkages {
                let errors = values.indices.map { index in
                    values[index] - estimate(at: points[index], points: points, residuals: values, bandwidth: bandwidth,
                                             shrinkage: shrinkage, leavingOut: index).logFactor
                }
                let error = CostModelFit.rootMeanSquare(errors)
                if best == nil || error <= best!.rms { best = (bandwidth, shrinkage, error) }
            }
        }
        guard let best, uncorrected > minimumResidualRMS, best.rms < keepRatio * uncorrected else { return nil }
        return CostModelCorrection(bandwidth: best.bandwidth, shrinkage: best.shrinkage, residuals: usable, fftLayout: fftLayout,
                                   leaveOneOutRMS: best.rms)
    }
}
