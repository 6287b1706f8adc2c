import Foundation

/// How the FFT path decomposes one convolution into transforms and per-bin products.
///
/// **Dilation** is materialised: the kernel is spread onto its dilated support `d·(k−1)+1` with
/// zeros between taps. Transforms cost the same whatever the kernel's content, so dilation only
/// matters through the larger support (it raises the transform size when untiled, or the overlap
/// when tiled).
///
/// **Stride** uses the polyphase identity instead of computing every output and discarding most:
/// with `s` the stride, phase `(p, q)` of the padded input, `x_pq[i, j] = x[i·sH + p, j·sW + q]`, and
/// of the dilated kernel, `w_pq[a, b] = w[a·sH + p, b·sW + q]`,
///
///     y[i, j] = Σ_c Σ_{p<sH, q<sW} (x_pq ⋆ w_pq)[i, j]          (⋆: stride-1 valid correlation)
///
/// so a stride-`s` convolution over C channels is a stride-1 one over `C·sH·sW` phase channels with
/// kernels of `ceil(kE/s)` taps — exact, and no wasted outputs (cost ~ a stride-1 convolution
/// of the `s×` smaller output).
///
/// **Tiling (overlap-save)**: the stride-1 phase problem has outputs `Ho × Wo` and kernels
/// `kP = ceil(kE/s)`. A tile of `T` transform points yields `T − kP + 1` outputs per axis, exactly,
/// because circular correlation only wraps into the last `kP − 1` positions. Tiles of one image are
/// treated as extra batch items. The transform size `(TH, TW)` is the even fast size (`2^a3^b5^c7^d`,
/// a ≥ 1: FFTW's real transforms of odd lengths are far slower) minimising ``estimatedFlops`` —
/// whole-image transforms when the image is small, cache-sized tiles when a large image meets a
/// small kernel — within a memory budget for the spectra. Transform flops are weighted per length
/// by this machine's measured transform costs when a table is given (``FFTLengthCosts``, kept in
/// the calibration; the search then also counts the bytes copied, ``copyFlopsPerByte``), else by a
/// fixed rule (``lengthWeight(_:perMap:)``).
struct FFTConvolutionLayout: Hashable, Sendable {
    let geometry: ConvolutionGeometry
    /// Transform points per axis, TH × TW (TH = 1 for 1-D).
    let transformHeight: Int
    let transformWidth: Int
    /// Kernel extent per phase, `ceil(kE / s)`.
    let phaseKernelHeight: Int
    let phaseKernelWidth: Int
    /// How much one transform of this size costs per counted flop (``transformWeight(height:width:perMap:lengthCosts:)``).
    let transformWeight: Double

    /// Spectra memory allowed (bytes): layouts needing more tile smaller.
    static let memoryBudget = 1 << 30

    /// The layout of `geometry` with the least estimated cost, weighting transform lengths by
    /// `lengthCosts` where it has them.
    init(geometry g: ConvolutionGeometry, scalarBytes: Int = 4, lengthCosts: FFTLengthCosts? = nil) {
        geometry = g
        phaseKernelHeight = (g.effectiveKernelHeight + g.stride.height - 1) / g.stride.height
        phaseKernelWidth = (g.effectiveKernelWidth + g.stride.width - 1) / g.stride.width
        let fullHeight = Self.wholeLength(g.outHeight + phaseKernelHeight - 1)
        let fullWidth = Self.wholeLength(g.outWidth + phaseKernelWidth - 1)
        let heights = g.isOneDimensional ? [1] : Self.candidates(kernel: phaseKernelHeight, full: fullHeight)
        let widths = Self.candidates(kernel: phaseKernelWidth, full: fullWidth)
        // The route, as ``hasOneInputMapPerOutput`` decides it (it does not depend on the transform size).
        let perMap = g.inChannelsPerGroup * g.stride.height * g.stride.width == 1
        var best: (shape: Shape, cost: Double)?
        var smallest: (shape: Shape, bytes: Int)?
        for height in heights {
            for width in widths {
                let weight = Self.transformWeight(height: height, width: width, perMap: perMap, lengthCosts: lengthCosts)
                let trial = Self.Shape(geometry: g, transformHeight: height, transformWidth: width,
                                       phaseKernelHeight: phaseKernelHeight, phaseKernelWidth: phaseKernelWidth, transformWeight: weight)
                let bytes = trial.spectraBytes(scalarBytes: scalarBytes)
                if smallest == nil || bytes < smallest!.bytes { smallest = (trial, bytes) }
                guard bytes <= Self.memoryBudget else { continue }
                let cost = trial.estimatedFlops + (lengthCosts == nil ? 0 : Self.copyFlopsPerByte * trial.copyBytes)
                if best == nil || cost < best!.cost { best = (trial, cost) }
            }
        }
        let chosen = best?.shape ?? smallest!.shape
        transformHeight = chosen.transformHeight
        transformWidth = chosen.transformWidth
        transformWeight = chosen.transformWeight
    }

    /// Relative cost per counted flop of one `height × width` transform in the batched or per-map
    /// route: `h(TH)·w(TW)` from `lengthCosts` when it measured both lengths (see
    /// ``FFTLengthCosts``); else the fixed rule, ``lengthWeight(_:perMap:)`` per axis times
    /// ``largeTransformWeight`` for a per-map transform above ``largeTransformPoints`` (a measured
    /// weight already includes what the caches cost).
    static func transformWeight(height: Int, width: Int, perMap: Bool, lengthCosts: FFTLengthCosts?) -> Double {
        if let measured = lengthCosts?.weight(height: height, width: width, perMap: perMap) { return measured }
        let memory = perMap && height * width > largeTransformPoints ? largeTransformWeight : 1
        return memory * lengthWeight(height, perMap: perMap) * lengthWeight(width, perMap: perMap)
    }

    /// The transform length of an untiled axis of `needed` points (output + kernel − 1): the next
    /// even fast length (``FFTSize/nextFastEven(_:)``; FFTW's real transforms of odd lengths are
    /// several times slower per point), or 1 for an axis of one point (a single row).
    static func wholeLength(_ needed: Int) -> Int {
        needed <= 1 ? 1 : FFTSize.nextFastEven(needed)
    }

    /// Even fast transform lengths worth trying on one axis: from a little above the kernel (so a
    /// tile yields outputs) up to the whole-image length `full` (1 for a single row: `[1]`).
    static func candidates(kernel: Int, full: Int) -> [Int] {
        guard full > 1 else { return [1] }
        let lowest = min(full, FFTSize.nextFastEven(max(2 * kernel, 8)))
        return FFTSize.evenFastLengths(in: lowest...full)
    }

    private var shape: Shape {
        Shape(geometry: geometry, transformHeight: transformHeight, transformWidth: transformWidth,
              phaseKernelHeight: phaseKernelHeight, phaseKernelWidth: phaseKernelWidth, transformWeight: transformWeight)
    }

    var phases: Int { shape.phases }
    var outputTileHeight: Int { shape.outputTileHeight }
    var outputTileWidth: Int { shape.outputTileWidth }
    var tilesHigh: Int { shape.tilesHigh }
    var tilesWide: Int { shape.tilesWide }
    /// Batch items after tiling: `N · tilesHigh · tilesWide`.
    var batchItems: Int { shape.batchItems }
    /// The image and tile position of batch item `item = (n·tilesHigh + tileRow)·tilesWide + tileColumn`.
    func tile(of item: Int) -> (image: Int, row: Int, column: Int) {
        let (image, tile) = item.quotientAndRemainder(dividingBy: tilesHigh * tilesWide)
        let (row, column) = tile.quotientAndRemainder(dividingBy: tilesWide)
        return (image, row, column)
    }
    /// Phase channels of the input, `C · sH · sW`, and per group.
    var phaseChannels: Int { geometry.inChannels * phases }
    var phaseChannelsPerGroup: Int { shape.phaseChannelsPerGroup }
    /// Whether every output map reads exactly one input map: `C'/G = 1`, i.e. stride 1 and one input
    /// channel per group — single-channel filtering, filter banks (C = 1), depthwise layers. The FFT
    /// path then runs map by map (``FFTConvolution``'s per-map route) instead of batching.
    var hasOneInputMapPerOutput: Bool { shape.hasOneInputMapPerOutput }
    /// Per-map route: whether its single-map plans use FFTW's own `threads` — only when there are
    /// fewer input maps than threads *and* a transform has at least ``perMapThreadedPoints`` points.
    /// Below that FFTW's thread hand-off costs more than it saves: a 36×36 map took 8 µs on one
    /// thread and 33–53 µs on two (a 1-channel 16×16 image with a 21×21 kernel); 140×140 ran alike.
    /// (Measured with FFTW's own threads; on the ``WorkerPool`` — see ``FFTPlanner`` — threading
    /// every lone map made 1-channel 32²–128² layers neither faster nor slower beyond the noise.)
    func perMapUsesFFTWThreads(threads: Int) -> Bool {
        batchItems * phaseChannels < threads && points >= Self.perMapThreadedPoints
    }
    /// Threads the per-map route keeps busy: all of them with FFTW's threads, else one per input map.
    func perMapWorkingThreads(threads: Int) -> Int {
        perMapUsesFFTWThreads(threads: threads) ? max(1, threads) : max(1, min(threads, batchItems * phaseChannels))
    }
    /// Points from which a lone per-map transform is worth FFTW's threads (256×256).
    static let perMapThreadedPoints = 65_536
    /// Real points per transform and complex bins per half spectrum.
    var points: Int { transformHeight * transformWidth }
    var bins: Int { transformHeight * (transformWidth / 2 + 1) }
    /// Scalars between consecutive real maps: `points` rounded up to 16 (64 bytes in Float), so
    /// every map starts aligned.
    var realDistance: Int { (points + 15) / 16 * 16 }
    /// Complex numbers between consecutive spectra: `bins` rounded up to 8 (64 bytes in Float).
    var complexDistance: Int { (bins + 7) / 8 * 8 }
    /// FFTW's dimension list: `[TH, TW]`, or `[TW]` for a single row.
    var dimensions: [Int] { transformHeight == 1 ? [transformWidth] : [transformHeight, transformWidth] }
    /// Estimated floating-point operations (see ``Shape/estimatedFlops``).
    var estimatedFlops: Double { shape.estimatedFlops }
    var transformFlops: Double { shape.transformFlops }
    var productFlops: Double { shape.productFlops }
    var copyBytes: Double { shape.copyBytes }

    /// Relative cost per point of a transform length under FFTW's default (`estimate`) planning,
    /// square-rooted per axis (so a square transform's weight is the factor below) — the fixed rule
    /// used where no measured table (``FFTLengthCosts``) covers the length.
    ///
    /// - Batched route, and lengths below 128 in both routes: `×1.25` per factor 3 and `×1.5` per
    ///   factor 5 or 7. Rough fit to FFTW 3.3.10 on this project's x86-64 machines (batched 2-D r2c,
    ///   e.g. 35×35 ≈ 1.9×, 36×36 ≈ 1.5×, 40×40 ≈ 2.3× the per-point cost of 32×32 or 64×64), where
    ///   planning with `estimate` often picks slow algorithms for lengths with odd factors.
    /// - Per-map route (``hasOneInputMapPerOutput``: single-map plans, one tile at a time), lengths
    ///   from 128 up: factors 3 and 5 cost nothing extra (r2c + c2r per point, single thread, Zen 4:
    ///   144², 160², 288², 320², 576², 640² at 0.85–1.05× the neighbouring power of two), a factor 7
    ///   `×1.4` (224², 448², 560² ≈ 1.4×), and a length with fewer than three factors 2 `×2` (135²,
    ///   150², 162², 270² at 1.6–2.7×: FFTW's r2c is weak on odd and nearly odd lengths). Large
    ///   single-channel images then get cache-sized tiles such as 288² (4 for 512² with a 31×31
    ///   kernel, 1.3 ms of transforms) instead of 128² (36 tiles, 2.4 ms). The batched route keeps
    ///   the first rule: with many channels the per-bin products and per-tile copies, which this
    ///   weight does not see, decide as much (a 16-channel 256² layer measured 30% slower on the
    ///   tiles the second rule picks).
    ///
    /// Only even lengths are candidates (``candidates(kernel:full:)``); the odd lengths above are
    /// measurements from before that rule, kept for the factor weights they show.
    static func lengthWeight(_ n: Int, perMap: Bool = false) -> Double {
        guard n > 1 else { return 1 }
        var weight = 1.0, rest = n
        if n < 128 || !perMap {
            for (prime, factor) in [(3, 1.25), (5, 1.5), (7, 1.5)] {
                while rest % prime == 0 { rest /= prime; weight *= factor }
            }
        } else {
            while rest % 7 == 0 { rest /= 7; weight *= 1.4 }
            if n % 8 != 0 { weight *= 2 }
        }
        return weight.squareRoot()
    }

    /// Points above which one transform's arrays (≥ 3 MiB each way in Float) no longer fit the
    /// caches FFTW's passes rely on. In the per-map route such transforms count
    /// `×largeTransformWeight` per point (960², 1024², 1050², 1080² run at 2–4× the per-point time of
    /// 512² under `estimate`, up to 2× even with measured plans), which steers large images to
    /// cache-sized overlap-save tiles.
    static let largeTransformPoints = 786_432
    static let largeTransformWeight = 2.0

    /// What a copied byte costs in transform flops when a layout is chosen with measured transform
    /// costs: calibrations on this project's machine fitted 1.5–3.1·10⁻¹⁰ s per copied byte
    /// against 5.5–9.6·10⁻¹¹ s per transform flop. Without it, measured weights chose large
    /// overlapping tiles whose zero padding and packing cost more than their cheap transforms saved
    /// (a 64-channel 64² layer with a 12×12 kernel: 32×80 tiles, 1.35× slower than 24×24 ones).
    /// The fixed rule's search leaves copies out: its weights were settled with that objective,
    /// and adding copies to it moved a 16-channel 128² 8×8 layer from 32×32 tiles to 24×40 ones
    /// that ran 1.4× slower.
    static let copyFlopsPerByte = 3.0

    /// The sizes that follow from one choice of transform size.
    struct Shape {
        let geometry: ConvolutionGeometry
        let transformHeight: Int
        let transformWidth: Int
        let phaseKernelHeight: Int
        let phaseKernelWidth: Int
        /// Cost per counted flop of one transform (``transformWeight(height:width:perMap:lengthCosts:)``).
        let transformWeight: Double

        var phases: Int { geometry.stride.height * geometry.stride.width }
        var phaseChannelsPerGroup: Int { geometry.inChannelsPerGroup * phases }
        /// Every output map reads one input map: the per-map route (``FFTConvolutionLayout/hasOneInputMapPerOutput``).
        var hasOneInputMapPerOutput: Bool { phaseChannelsPerGroup == 1 }
        var outputTileHeight: Int { transformHeight - phaseKernelHeight + 1 }
        var outputTileWidth: Int { transformWidth - phaseKernelWidth + 1 }
        var tilesHigh: Int { (geometry.outHeight + outputTileHeight - 1) / outputTileHeight }
        var tilesWide: Int { (geometry.outWidth + outputTileWidth - 1) / outputTileWidth }
        var batchItems: Int { geometry.batch * tilesHigh * tilesWide }
        var bins: Int { transformHeight * (transformWidth / 2 + 1) }

        /// Transform work: `(B·C' + O·C'/G + B·O)` real transforms of `T` points at `2.5·T·log2 T`
        /// flops each (half a complex FFT's `5·T·log2 T`), each weighted by how well FFTW handles
        /// its lengths (``transformWeight``: measured, or the fixed rule).
        /// Kernel transforms are pruned when the kernel covers at most half the rows: the row pass
        /// runs on its `kP` non-zero rows only, so they count `(kP/TH + 1)/2` of a full transform.
        var transformFlops: Double {
            let points = Double(transformHeight * transformWidth)
            let perTransform = 2.5 * points * max(log2(points), 1) * transformWeight
            let channels = geometry.inChannels * phases
            let data = batchItems * channels + batchItems * geometry.outChannels
            let pruned = transformHeight > 1 && 2 * phaseKernelHeight <= transformHeight
            let kernelShare = pruned ? (Double(phaseKernelHeight) / Double(transformHeight) + 1) / 2 : 1
            return (Double(data) + Double(geometry.outChannels * phaseChannelsPerGroup) * kernelShare) * perTransform
        }

        /// Per-bin products: `B · (C'/G) · O` complex multiply-adds (8 flops each) per bin.
        var productFlops: Double {
            8 * Double(bins) * Double(batchItems) * Double(phaseChannelsPerGroup) * Double(geometry.outChannels)
        }

        /// Bytes the path copies in and out of its transform buffers (zero padding, tiles, packing
        /// spectra), `4·T` per real map plus `8·F` per spectrum packed (batched route) over the
        /// `B·C' + B·O + O·C'/G` maps of the batched route; `4·T` per data map, `B·(C' + O)` of them,
        /// in the per-map route (nothing packed, kernel spectra kept).
        var copyBytes: Double {
            let dataMaps = batchItems * (geometry.inChannels * phases + geometry.outChannels)
            let points = Double(transformHeight * transformWidth)
            guard !hasOneInputMapPerOutput else { return Double(dataMaps) * points * 4 }
            let maps = Double(dataMaps + geometry.outChannels * phaseChannelsPerGroup)
            return maps * points * 4 + maps * Double(bins) * 8
        }

        /// Total estimate; products are weighted as cheaper per flop than transforms because they
        /// run as dense matrix products (about 3× the transforms' flop rate on this class of CPU).
        /// With measured transform costs the layout search adds the copies (``copyFlopsPerByte``).
        var estimatedFlops: Double { transformFlops + productFlops / 3 }

        /// Bytes of the three spectra buffers (input, kernel, output) and the real work buffer.
        func spectraBytes(scalarBytes: Int) -> Int {
            let channels = geometry.inChannels * phases
            let kernels = geometry.outChannels * phaseChannelsPerGroup
            let complexCount = bins * (batchItems * channels + kernels + batchItems * geometry.outChannels)
            let realCount = transformHeight * transformWidth * max(batchItems * channels, kernels, batchItems * geometry.outChannels)
            return (2 * complexCount + realCount) * scalarBytes
        }
    }
}
