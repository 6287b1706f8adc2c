import Foundation

/// Computes convolutions through any of the three paths, owning what they reuse between calls:
/// the im2col workspace, the FFT path's buffers (its plans live in the process-wide ``FFTPlanCache``),
/// and the thread setting.
///
/// One engine serialises its own calls (its workspaces are shared); use one engine per thread of
/// work, or let one engine use all the cores through ``threads``.
///
/// ```swift
/// let engine = ConvolutionEngine(threads: 2)
/// let y = try engine.forward(input: x, weight: w, bias: b,
///                            options: .init(stride: 2, padding: .same), algorithm: .fft)
/// ```
public final class ConvolutionEngine: @unchecked Sendable {
    /// Threads used for batch/channel parallelism and by FFTW and OpenBLAS (≥ 1).
    public let threads: Int
    /// How hard FFTW searches for a fast plan the first time it meets a transform size.
    public let fftRigor: FFTPlanRigor
    /// The cost model `auto` uses (and `autotune` to skip hopeless candidates).
    public let costModel: ConvolutionCostModel
    /// Times and remembers the choices of ``ConvolutionAlgorithm/autotune`` (see ``Autotuner``).
    public let autotuner: Autotuner

    /// Serialises calls: the workspaces below are shared.
    let lock = NSLock()
    let im2col = Im2colConvolution()
    let fft: FFTConvolution
    /// Buffers of the backward passes (cropped gradients, derived kernels, per-phase outputs), reused.
    let gradientWorkspaces = (0..<3).map { _ in ScratchBuffer() }

    /// - Parameters:
    ///   - threads: threads to use; nil means every active core.
    ///   - fftRigor: FFTW planning rigor (``FFTPlanRigor/estimate`` by default: no timing at plan time).
    ///   - costModel: the model behind ``ConvolutionAlgorithm/auto``: by default this machine's
    ///     calibration when one was written to the cache folder, the documented default otherwise
    ///     (``ConvolutionCostModel/calibratedOrDefault``). The FFT path lays out its transforms with
    ///     the model's measured transform costs (``ConvolutionCostModel/fftLengthCosts``) when it has them.
    ///   - planCache: where FFTW plans are kept (the process-wide ``FFTPlanCache/shared`` by default).
    ///   - autotuner: measures and remembers the choices of ``ConvolutionAlgorithm/autotune`` (the
    ///     process-wide ``Autotuner/shared`` by default, which persists them in the per-machine cache file).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` when `threads` is below 1.
    public init(threads: Int? = nil, fftRigor: FFTPlanRigor = .estimate, costModel: ConvolutionCostModel = .calibratedOrDefault, planCache: FFTPlanCache = .shared,
                autotuner: Autotuner = .shared) throws(SpectralConvError) {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard count >= 1 else { throw .invalidArgument("threads must be at least 1, got \(count)") }
        self.threads = count
        self.fftRigor = fftRigor
        self.costModel = costModel
        self.fft = FFTConvolution(rigor: fftRigor, planCache: planCache, lengthCosts: costModel.fftLengthCosts)
        self.autotuner = autotuner
    }

    /// The concrete path `algorithm` stands for on this geometry's Float forward, without timing
    /// anything: itself for a concrete path, the cost model's choice for `auto`, and for `autotune`
    /// the choice already tuned for this shape (Float, forward, this engine's threads and rigor) or,
    /// before it is tuned, the cost model's choice. ``resolve(_:for:pass:scalar:)`` tunes.
    public func resolve(_ algorithm: ConvolutionAlgorithm, for geometry: ConvolutionGeometry) -> ConvolutionAlgorithm {
        switch algorithm {
        case .direct, .im2col, .fft: return algorithm
        case .auto: return costModel.fastest(for: geometry, threads: threads)
        case .autotune: return autotuner.cachedChoice(for: autotuneKey(for: geometry)) ?? costModel.fastest(for: geometry, threads: threads)
        }
    }

    /// The forward convolution (cross-correlation) of `input` with `weight`, plus `bias`.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]` (or `[N, C, L]` for 1-D).
    ///   - weight: `[O, C/G, kH, kW]` (or `[O, C/G, K]`).
    ///   - bias: `[O]`, or nil for none.
    ///   - options: stride, padding, dilation, groups.
    ///   - algorithm: the path; `auto` asks ``costModel``; `autotune` times the paths the first time
    ///     this shape is met (on these tensors, results discarded) and runs the fastest (``Autotuner``).
    /// - Returns: `[N, O, Ho, Wo]` (or `[N, O, Lo]`) with sizes from ``ConvolutionGeometry``.
    /// - Throws: ``SpectralConvError`` for shapes or options that do not fit, never a trap.
    public func forward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>? = nil,
        options: ConvolutionOptions = .init(), algorithm: ConvolutionAlgorithm = .auto
    ) throws(SpectralConvError) -> Tensor<S> {
        let geometry = try ConvolutionGeometry(inputShape: input.shape, weightShape: weight.shape, options: options)
        try validateBias(bias, geometry: geometry)
        return try forward(input: input, weight: weight, bias: bias, geometry: geometry, algorithm: algorithm)
    }

    /// The forward convolution for an already resolved geometry (the shapes must match it).
    public func forward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>? = nil,
        geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm
    ) throws(SpectralConvError) -> Tensor<S> {
        guard input.shape == geometry.inputShape, weight.shape == geometry.weightShape else {
            throw .invalidShape("input \(input.shape) / weight \(weight.shape) do not match the geometry \(geometry)")
        }
        try validateBias(bias, geometry: geometry)
        let path = try concretePath(algorithm, pass: .forward, geometry: geometry, precision: S.precision) { (candidate) throws(SpectralConvError) in
            _ = try forward(input: input, weight: weight, geometry: geometry, algorithm: candidate)
        }
        let parallelism = Parallelism(threads: threads)
        lock.lock()
        defer { lock.unlock() }
        let fftPlan = path == .fft ? try fft.prepare(geometry: geometry, scalar: S.self, threads: threads) : nil
        // Every path writes every output element, so the storage starts uninitialised.
        return Tensor<S>(shape: geometry.outputShape, unsafeUninitialized: { y in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    withOptionalBuffer(bias) { bias in
                        let (x, w, y) = (UnsafeRawPointer(x.baseAddress!), UnsafeRawPointer(w.baseAddress!), UnsafeMutableRawPointer(y.baseAddress!))
                        // Enter the paths with a concrete scalar type so that their generic code is
                        // specialised (and vectorised) even when this method is called generically.
                        switch S.precision {
                        case .single: run(path, Float.self, x, w, bias, y, geometry, fftPlan, parallelism)
                        case .double: run(path, Double.self, x, w, bias, y, geometry, fftPlan, parallelism)
                        }
                    }
                }
            }
        })
    }

    private func run<T: TensorScalar>(
        _ path: ConvolutionAlgorithm, _: T.Type, _ x: UnsafeRawPointer, _ w: UnsafeRawPointer, _ bias: UnsafeRawPointer?,
        _ y: UnsafeMutableRawPointer, _ geometry: ConvolutionGeometry, _ fftPlan: FFTConvolution.Plan?, _ parallelism: Parallelism
    ) {
        let x = x.assumingMemoryBound(to: T.self), w = w.assumingMemoryBound(to: T.self), y = y.assumingMemoryBound(to: T.self)
        runPath(path, input: x, weight: w, output: y, geometry: geometry, fftPlan: fftPlan, parallelism: parallelism)
        if let bias {
            Self.addBias(bias.assumingMemoryBound(to: T.self), to: y, batch: geometry.batch, channels: geometry.outChannels,
                         plane: geometry.outHeight * geometry.outWidth, parallelism: parallelism)
        }
    }

    /// Runs one concrete path (no bias) on raw storage; `fftPlan` is required for `.fft`. The caller
    /// holds ``lock``.
    func runPath<T: TensorScalar>(
        _ path: ConvolutionAlgorithm, input x: UnsafePointer<T>, weight w: UnsafePointer<T>, output y: UnsafeMutablePointer<T>,
        geometry: ConvolutionGeometry, fftPlan: FFTConvolution.Plan?, parallelism: Parallelism
    ) {
        switch path {
        case .direct:
            DirectConvolution.forward(input: x, weight: w, output: y, geometry: geometry, parallelism: parallelism)
        case .im2col:
            im2col.forward(input: x, weight: w, output: y, geometry: geometry, parallelism: parallelism)
        case .fft, .auto, .autotune:
            fft.forward(input: x, weight: w, output: y, plan: fftPlan!, parallelism: parallelism)
        }
    }

    /// ``runPath(_:input:weight:output:geometry:fftPlan:parallelism:)`` preparing the FFT plan
    /// itself (for the derived geometries of the backward passes). The caller holds ``lock``.
    func runPathPreparing<T: TensorScalar>(
        _ path: ConvolutionAlgorithm, input x: UnsafePointer<T>, weight w: UnsafePointer<T>, output y: UnsafeMutablePointer<T>,
        geometry: ConvolutionGeometry, parallelism: Parallelism
    ) throws(SpectralConvError) {
        let plan = path == .fft ? try fft.prepare(geometry: geometry, scalar: T.self, threads: threads) : nil
        runPath(path, input: x, weight: w, output: y, geometry: geometry, fftPlan: plan, parallelism: parallelism)
    }

    /// Builds (and caches) everything a path needs for `geometry` — FFTW plans, workspaces — so that a
    /// timed call that follows measures only the computation.
    public func prepare<S: TensorScalar>(_ algorithm: ConvolutionAlgorithm, geometry: ConvolutionGeometry, scalar: S.Type) throws(SpectralConvError) {
        let input = Tensor<S>(shape: geometry.inputShape)
        let weight = Tensor<S>(shape: geometry.weightShape)
        _ = try forward(input: input, weight: weight, geometry: geometry, algorithm: algorithm)
    }

    /// `y[n, o, :, :] += bias[o]` for `y` of shape `[batch, channels, plane]`.
    static func addBias<T: TensorScalar>(
        _ bias: UnsafePointer<T>, to y: UnsafeMutablePointer<T>, batch: Int, channels: Int, plane: Int, parallelism: Parallelism
    ) {
        parallelism.forEach(batch * channels) { map in
            let value = bias[map % channels]
            let start = y + map * plane
            for index in 0..<plane { start[index] += value }
        }
    }
}

/// Calls `body` with the storage of `tensor`, or with nil when there is none.
func withOptionalBuffer<S: TensorScalar, R>(_ tensor: Tensor<S>?, _ body: (UnsafeRawPointer?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
}
