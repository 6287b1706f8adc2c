import Foundation

/// The model behind ``ConvolutionAlgorithm/auto``: predicted seconds per path from operation
/// counts, pick the smallest.
///
/// A prediction is a sum of terms (``ConvolutionCostTerms``), each an amount of work times a cost
/// per unit:
///
///     direct  = F·v/t_d · c_flops + F·v·(1/e_d − 1)/t_d · c_loss + band and output bytes/t_d · c_copy + c_call
///     im2col  = F/t · c_gemm + F·(1/e_g − 1)/t · c_loss + unfolded bytes/t · c_copy + c_call
///     fft     = transform flops/t_f · c_transform + product flops/t · c_product + copied bytes/t_f · c_copy + c_call
///               (per-map route, C'/G = 1: data-map transform flops/t · c_per_map instead; kernel spectra are kept)
///
/// with F the useful flops, t the threads, `v = ⌈Wo/8⌉·8/Wo` the unused lanes of each row's last
/// vector, `e_d = min(1, (O/G)/4)` (the direct microkernel's register block covers 4 output
/// channels), `e_g = min(1, (O/G)/16)·min(1, (C/G)·kH·kW/32)` (sgemm wants ~16 rows and a ~32-long
/// inner dimension; a 1×1 stride-1 unpadded layer needs no unfold), and `t_d`, `t_f` the threads
/// the direct plan's work items and the FFT's per-stage maps can keep busy. The FFT counts come
/// from the layout the FFT path itself would choose (tiles, stride phases, transform sizes
/// weighted by how well FFTW handles them — as measured on this machine when the model has
/// ``fftLengthCosts``, by a fixed rule otherwise —, pruned kernel transforms): transforms at
/// `2.5·T·log2 T` flops, products at `8·F·B·(C'/G)·O`.
///
/// **Two sources of coefficients.**
/// - The **documented default** (``default``): per-thread rates and per-call costs measured on
///   this project's 2-core AVX2/AVX-512 x86-64 machine (Float32, release build with `-target-cpu
///   haswell`; rounded from a `bench sweep --calibrate` fit of 162 configurations at batch 1,
///   2 threads, except the products: batch 1 cannot pin their rate (fitted 80 GFLOP/s), and 36
///   keeps the batch-8 64-channel 3×3 layer on the direct path where it measures 1.25× faster) —
///   `c_flops = c_loss = 1/directRate`, `1/gemmRate`, `1/transformRate`, `1/productRate`,
///   `c_copy = 1/copyRate`, `c_call` = the path's call cost. It decides well when one path is
///   clearly cheaper and misjudges close calls: on that machine's held-out sweep of 198
///   configurations its choices were within 10% of the fastest on 88%, within 1.5× on 94–97%
///   (a calibration of the machine itself with its local correction, on 162 configurations
///   measured afresh: 95–98% and 99.4–100%).
/// - A **calibration** (``CostModelCalibration``, written by `spectralconv bench sweep
///   --calibrate`): every coefficient fitted per path and per pass to this machine's measurements
///   (see ``CostModelFit``), and what the fitted terms still get wrong near the measured layers
///   kept as a local correction (``CostModelCorrection``: predictions for nearby layers are
///   multiplied by a kernel-weighted mean of the measured `measured/predicted` ratios). When a
///   calibration lacks a pass (no `--backward` sweep), the gradients use the calibrated forward
///   coefficients of the same path, uncorrected — the direct and FFT gradients are forward
///   convolutions on derived geometries.
///
/// ``calibratedOrDefault`` is the calibration in the default cache folder when there is one, the
/// default otherwise; engines use it unless given a model. Choices are remembered per geometry
/// (``fastest(for:pass:threads:)``), so `auto` costs a dictionary look-up per call once warm.
public struct ConvolutionCostModel: Sendable, Hashable {
    /// Useful GFLOP/s per thread of the direct path at full efficiency.
    public var directRate: Double { didSet { choices = ChoiceMemo() } }
    /// Useful GFLOP/s per thread of sgemm on an im2col matrix at full efficiency.
    public var gemmRate: Double { didSet { choices = ChoiceMemo() } }
    /// GFLOP/s per thread of FFTW (counting 2.5·T·log2 T per real transform).
    public var transformRate: Double { didSet { choices = ChoiceMemo() } }
    /// GFLOP/s per thread of the per-bin complex products.
    public var productRate: Double { didSet { choices = ChoiceMemo() } }
    /// GB/s per thread of the copies (unfold, padding, tiles, packing).
    public var copyRate: Double { didSet { choices = ChoiceMemo() } }
    /// Seconds per call of each path regardless of its size (dispatch, plan look-up, thread
    /// wake-up): the direct path, im2col (OpenBLAS' own start-up), the FFT path.
    public var directCallSeconds: Double { didSet { choices = ChoiceMemo() } }
    public var im2colCallSeconds: Double { didSet { choices = ChoiceMemo() } }
    public var fftCallSeconds: Double { didSet { choices = ChoiceMemo() } }
    /// Fitted coefficients that take precedence over the rates; nil for a rate-only model.
    public var calibration: CostModelCalibration? { didSet { choices = ChoiceMemo() } }
    /// This machine's measured transform costs per length (``FFTLengthCosts``): the FFT layouts
    /// predicted — and run by engines using this model — weight transform lengths by it; nil: by
    /// the fixed rule of ``FFTConvolutionLayout``. ``init(calibration:)`` takes the calibration's.
    public var fftLengthCosts: FFTLengthCosts? { didSet { choices = ChoiceMemo() } }
    /// Choices already made (``fastest(for:pass:threads:)``), shared by copies until one is changed.
    private var choices = ChoiceMemo()

    public init(directRate: Double = 85, gemmRate: Double = 60, transformRate: Double = 11, productRate: Double = 36, copyRate: Double = 8,
                directCallSeconds: Double = 1e-6, im2colCallSeconds: Double = 9e-6, fftCallSeconds: Double = 9e-6) {
        self.directRate = directRate
        self.gemmRate = gemmRate
        self.transformRate = transformRate
        self.productRate = productRate
        self.copyRate = copyRate
        self.directCallSeconds = directCallSeconds
        self.im2colCallSeconds = im2colCallSeconds
        self.fftCallSeconds = fftCallSeconds
        self.calibration = nil
        self.fftLengthCosts = nil
    }

    /// The rates and call costs, in declaration order.
    private var parameters: [Double] {
        [directRate, gemmRate, transformRate, productRate, copyRate, directCallSeconds, im2colCallSeconds, fftCallSeconds]
    }

    public static func == (lhs: ConvolutionCostModel, rhs: ConvolutionCostModel) -> Bool {
        lhs.parameters == rhs.parameters && lhs.calibration == rhs.calibration && lhs.fftLengthCosts == rhs.fftLengthCosts
    }

    public func hash(into hasher: inout Hasher) {
        for parameter in parameters { hasher.combine(parameter) }
        hasher.combine(calibration)
        hasher.combine(fftLengthCosts)
    }

    /// A model predicting with `calibration` and its transform-cost table (the default rates stand
    /// in for anything it lacks).
    public init(calibration: CostModelCalibration) {
        self.init()
        self.calibration = calibration
        self.fftLengthCosts = calibration.fftLengths
    }

    /// The documented default rates.
    public static let `default` = ConvolutionCostModel()

    /// Seconds per unit of each term of a path's prediction.
    public typealias Coefficients = [CostTerm: Double]

    /// The coefficients of the default rates for concrete path `algorithm` (`fft` for any other).
    public func rateCoefficients(for algorithm: ConvolutionAlgorithm) -> Coefficients {
        let copy = 1 / (copyRate * 1e9)
        if algorithm == .direct {
            let flop = 1 / (directRate * 1e9)
            return [.directFlops: flop, .directBlockingLoss: flop, .copyBytes: copy, .calls: directCallSeconds]
        }
        if algorithm == .im2col {
            let flop = 1 / (gemmRate * 1e9)
            return [.gemmFlops: flop, .gemmBlockingLoss: flop, .copyBytes: copy, .calls: im2colCallSeconds]
        }
        let transform = 1 / (transformRate * 1e9)
        return [.transformFlops: transform, .perMapTransformFlops: transform, .productFlops: 1 / (productRate * 1e9),
                .copyBytes: copy, .calls: fftCallSeconds]
    }

    /// The coefficients behind predictions of `pass` through `algorithm`, and whether they are
    /// calibrated: the calibration's for that path and pass, else its forward ones for that path,
    /// else the rates' (terms a calibration lacks keep their rate coefficient).
    public func coefficients(for algorithm: ConvolutionAlgorithm, pass: ConvolutionPass) -> (coefficients: Coefficients, calibrated: Bool) {
        let path = ConvolutionAlgorithm.concrete.contains(algorithm) ? algorithm : .fft
        let rates = rateCoefficients(for: path)
        if let calibration, let fit = calibration.fit(for: path, pass: pass) ?? calibration.fit(for: path, pass: .forward) {
            // A term the calibration lacks (a file from before the term existed) keeps its rate.
            return (rates.merging(fit.coefficients) { $1 }, true)
        }
        return (rates, false)
    }

    /// `Σ amount · coefficient` over `terms`, summed in ``CostTerm/allCases`` order (so the result
    /// does not depend on dictionary order).
    public static func seconds(_ terms: ConvolutionCostTerms, _ coefficients: Coefficients) -> Double {
        CostTerm.allCases.reduce(0) { total, term in total + terms[term] * (coefficients[term] ?? 0) }
    }

    /// Predicted seconds of one call of `pass` through concrete path `algorithm` (`fft` for any
    /// other) on `geometry` with `threads` threads: the terms' sum, times the calibration's local
    /// correction for that path and pass when it has one (``correction(for:pass:)``).
    public func predictedSeconds(for geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, pass: ConvolutionPass, threads: Int) -> Double {
        let terms = ConvolutionCostTerms.of(geometry, algorithm: algorithm, pass: pass, threads: threads, lengthCosts: fftLengthCosts)
        let seconds = Self.seconds(terms, coefficients(for: algorithm, pass: pass).coefficients)
        guard let correction = correction(for: algorithm, pass: pass) else { return seconds }
        return seconds * correction.factor(for: geometry, threads: threads, lengthCosts: fftLengthCosts)
    }

    /// The calibration's local correction (``CostModelCorrection``) of `pass` through concrete path
    /// `algorithm` (`fft` for any other), if its fit for exactly that pass has one — a pass
    /// predicted with another pass' coefficients is not corrected (its layers are other layers).
    public func correction(for algorithm: ConvolutionAlgorithm, pass: ConvolutionPass) -> CostModelCorrection? {
        let path = ConvolutionAlgorithm.concrete.contains(algorithm) ? algorithm : .fft
        return calibration?.fit(for: path, pass: pass)?.correction
    }

    /// Predicted seconds of one forward call through `algorithm` (a concrete path; any other is
    /// predicted as `fft`) on `geometry` with `threads` threads.
    public func predictedSeconds(for geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, threads: Int) -> Double {
        predictedSeconds(for: geometry, algorithm: algorithm, pass: .forward, threads: threads)
    }

    /// The concrete path with the smallest predicted time for `pass` (ties go to the earlier of
    /// direct, im2col, fft). Choices are remembered per (geometry, pass, threads) — predicting the
    /// FFT path means laying it out, tens of microseconds that `auto` would otherwise pay per call.
    public func fastest(for geometry: ConvolutionGeometry, pass: ConvolutionPass, threads: Int) -> ConvolutionAlgorithm {
        let key = ChoiceMemo.Key(geometry: geometry, pass: pass, threads: threads)
        if let known = choices.choice(for: key) { return known }
        var best = ConvolutionAlgorithm.direct
        var bestSeconds = Double.infinity
        for algorithm in ConvolutionAlgorithm.concrete {
            let seconds = predictedSeconds(for: geometry, algorithm: algorithm, pass: pass, threads: threads)
            if seconds < bestSeconds {
                best = algorithm
                bestSeconds = seconds
            }
        }
        choices.remember(best, for: key)
        return best
    }

    /// The concrete path with the smallest predicted forward time (ties go to the earlier of
    /// direct, im2col, fft).
    public func fastest(for geometry: ConvolutionGeometry, threads: Int) -> ConvolutionAlgorithm {
        fastest(for: geometry, pass: .forward, threads: threads)
    }
}

/// A bounded, thread-safe memo of a cost model's choices (cleared when it reaches ``limit`` entries).
final class ChoiceMemo: @unchecked Sendable {
    struct Key: Hashable {
        let geometry: ConvolutionGeometry
        let pass: ConvolutionPass
        let threads: Int
    }

    static let limit = 4096
    private let lock = NSLock()
    private var entries: [Key: ConvolutionAlgorithm] = [:]

    func choice(for key: Key) -> ConvolutionAlgorithm? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func remember(_ choice: ConvolutionAlgorithm, for key: Key) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = choice
    }
}
