import Foundation

/// One additive term of a path's predicted time: a count of work (flops, bytes, calls) that the
/// cost model multiplies by a cost per unit (seconds per flop per thread, …).
///
/// Work terms are divided by the thread count (each thread does its share); ``calls`` is not (a
/// fixed cost per call: dispatch, thread wake-up, plan execution set-up).
public enum CostTerm: String, Codable, Sendable, CaseIterable, Hashable {
    /// Direct path: useful flops `2·N·O·(C/G)·Ho·Wo·kH·kW` times the unused-lane factor, per working thread.
    case directFlops = "direct_flops"
    /// Direct path: the flops lost to partly filled register blocks, `flops·(1/e − 1)` per thread with
    /// `e = min(1, (O/G)/4)` (the microkernel blocks 4 output channels).
    case directBlockingLoss = "direct_blocking_loss"
    /// im2col path: useful flops, per thread (the GEMM).
    case gemmFlops = "gemm_flops"
    /// im2col path: flops lost to small GEMMs, `flops·(1/e − 1)` per thread with
    /// `e = min(1, (O/G)/16)·min(1, (C/G)·kH·kW/32)`.
    case gemmBlockingLoss = "gemm_blocking_loss"
    /// FFT path, batched route: transform flops (`2.5·T·log2 T` per real transform, weighted by
    /// FFTW's handling of the lengths; see ``FFTConvolutionLayout``), per working thread.
    case transformFlops = "transform_flops"
    /// FFT path, per-map route (`C'/G = 1`: single-channel images, filter banks, depthwise layers):
    /// transform flops of the input and output maps, per thread. The kernel spectra are kept
    /// between calls with the same weights, so repeated calls (inference, filtering, the sweep)
    /// do not transform the kernels; a training step that changes them pays `O` more transforms.
    case perMapTransformFlops = "per_map_transform_flops"
    /// FFT path: per-bin complex products, `8·F·B·(C'/G)·O`, per thread.
    case productFlops = "product_flops"
    /// Bytes copied (direct: the padded input band and the output; im2col: the unfold; FFT:
    /// padding, tiles and packing; backward: cropped and exchanged operands), per working thread.
    case copyBytes = "copy_bytes"
    /// Calls into the path's kernels (1 for a forward, one per derived convolution for a gradient).
    case calls

    /// The unit of the term's cost coefficient, for reports.
    public var coefficientUnit: String {
        switch self {
        case .directFlops, .directBlockingLoss, .gemmFlops, .gemmBlockingLoss, .transformFlops, .perMapTransformFlops,
             .productFlops:
            return "s/flop/thread"
        case .copyBytes: return "s/byte/thread"
        case .calls: return "s/call"
        }
    }

    /// The terms a concrete path's prediction is made of.
    public static func terms(of algorithm: ConvolutionAlgorithm) -> [CostTerm] {
        if algorithm == .direct { return [.directFlops, .directBlockingLoss, .copyBytes, .calls] }
        if algorithm == .im2col { return [.gemmFlops, .gemmBlockingLoss, .copyBytes, .calls] }
        return [.transformFlops, .perMapTransformFlops, .productFlops, .copyBytes, .calls]
    }
}

/// The amounts of work of one call of one path on one layer: a value per ``CostTerm``.
///
/// A prediction is `Σ_term amount · coefficient` (``ConvolutionCostModel/Coefficients``). The
/// amounts come from operation counts only — the FFT's from the very layout the FFT path would use
/// — so a model fitted to some layers predicts others.
public struct ConvolutionCostTerms: Sendable, Hashable {
    /// Amount per term, indexed like ``CostTerm/allCases``.
    public private(set) var amounts: [Double]

    /// All zero.
    public init() {
        amounts = Array(repeating: 0, count: CostTerm.allCases.count)
    }

    public subscript(term: CostTerm) -> Double {
        get { amounts[Self.index(term)] }
        set { amounts[Self.index(term)] = newValue }
    }

    static func index(_ term: CostTerm) -> Int { CostTerm.allCases.firstIndex(of: term)! }

    /// Term-wise sum.
    public static func + (lhs: ConvolutionCostTerms, rhs: ConvolutionCostTerms) -> ConvolutionCostTerms {
        var sum = lhs
        for index in sum.amounts.indices { sum.amounts[index] += rhs.amounts[index] }
        return sum
    }

    /// The forward call of concrete path `algorithm` (`fft` for any other) on `geometry`.
    ///
    ///     direct: direct_flops = F·v/t_d, direct_blocking_loss = F·v·(1/e_d − 1)/t_d,
    ///             copy_bytes = 4·(N·C·Hp·Wp + N·O·Ho·Wo)/t_d,                               calls = 1
    ///     im2col: gemm_flops = F/t, gemm_blocking_loss = F·(1/e_g − 1)/t, copy_bytes = U/t, calls = 1
    ///     fft:    transform_flops/t_f, product_flops/t, copy_bytes/t_f,                    calls = 1
    ///             (per-map route, C'/G = 1: per_map_transform_flops/t_m of the data maps only,
    ///             product_flops/t_m, copy_bytes = fill and copy-out of the data maps/t_m)
    ///
    /// with F the useful flops, t the threads, `v = ⌈Wo/8⌉·8/Wo` the unused lanes of each row's
    /// last vector, the direct path's band copy (the zero-padded input, `Hp × Wp`) and output
    /// writes, U = `4·N·C·kH·kW·Ho·Wo` unfolded bytes (0 for a 1×1, stride-1, unpadded layer,
    /// which needs no unfold), and the FFT copies `4·(maps·T + 2·bins·maps)` bytes over
    /// `maps = B·(C' + O) + O·C'/G` maps. The threads that can work are counted from the layouts:
    /// `t_d = min(t, work items of the direct plan)` (1 for layers under
    /// ``DirectConvolution/serialFlops``), `t_f = min(t, B·C', B·O)` (transforms run in
    /// per-thread chunks of maps; one map per stage keeps one thread busy), `t_m = min(t, B·C')`, or
    /// t when a lone large map uses FFTW's threads (``FFTConvolutionLayout/perMapWorkingThreads(threads:)``).
    /// `lengthCosts` is the measured transform-cost table the FFT path lays out with (nil: the fixed rule).
    public static func forward(_ g: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, threads: Int,
                               lengthCosts: FFTLengthCosts? = nil) -> ConvolutionCostTerms {
        let parallel = Double(max(1, threads))
        let bytes = 4.0
        var terms = ConvolutionCostTerms()
        terms[.calls] = 1
        if algorithm == .direct {
            let lanes = 8
            let available = DirectConvolution.workingThreads(g, available: threads)
            let plan = DirectConvolution.Plan(geometry: g, lanes: lanes, scalarSize: 4, threads: available)
            let working = Double(max(1, min(available, plan.itemCount)))
            let efficiency = min(1, Double(g.outChannelsPerGroup) / 4)
            let waste = Double((g.outWidth + lanes - 1) / lanes * lanes) / Double(max(1, g.outWidth))
            let copies = Double(g.batch * g.inChannels * g.paddedHeight * g.paddedWidth + g.batch * g.outChannels * g.outHeight * g.outWidth) * bytes
            terms[.directFlops] = g.usefulFlops * waste / working
            terms[.directBlockingLoss] = g.usefulFlops * waste * (1 / efficiency - 1) / working
            terms[.copyBytes] = copies / working
        } else if algorithm == .im2col {
            let inner = Double(g.inChannelsPerGroup * g.kernelHeight * g.kernelWidth)
            let efficiency = min(1, Double(g.outChannelsPerGroup) / 16) * min(1, inner / 32)
            let unfold = Im2colConvolution.isPointwise(g)
                ? 0 : Double(g.batch * g.inChannels * g.kernelHeight * g.kernelWidth * g.outHeight * g.outWidth) * bytes
            terms[.gemmFlops] = g.usefulFlops / parallel
            terms[.gemmBlockingLoss] = g.usefulFlops * (1 / efficiency - 1) / parallel
            terms[.copyBytes] = unfold / parallel
        } else {
            let layout = FFTConvolutionLayout(geometry: g, lengthCosts: lengthCosts)
            if layout.hasOneInputMapPerOutput {
                // Per-map route: one thread per map (or FFTW's threads on large lone maps); no packing.
                let working = Double(layout.perMapWorkingThreads(threads: threads))
                terms[.perMapTransformFlops] = layout.transformFlops * layout.dataTransformShare / working
                terms[.productFlops] = layout.productFlops / working
                terms[.copyBytes] = layout.copyBytes / working
            } else {
                let working = Double(max(1, min(threads, layout.batchItems * layout.phaseChannels, layout.batchItems * g.outChannels)))
                terms[.transformFlops] = layout.transformFlops / working
                terms[.productFlops] = layout.productFlops / parallel
                terms[.copyBytes] = layout.copyBytes / working
            }
        }
        return terms
    }

    /// One gradient through concrete path `algorithm` (`fft` for any other).
    ///
    /// The direct and FFT paths compute gradients as forward convolutions on derived geometries
    /// (``InputGradientDecomposition``: one per stride phase; ``WeightGradientDecomposition``: batch
    /// and channels exchanged), so the terms are the sums of those forwards' terms — for the FFT
    /// with the transform sizes and tiles the FFT layout chooses for them — plus the copies of dy
    /// and x (`elements · 4 B`, per thread). (For the direct path the derived weight-gradient
    /// convolution has only `kW` output columns: the forward terms' unused-lane factor
    /// `⌈Wo'/8⌉·8 / Wo'` matters there.) The im2col gradients are GEMMs of the forward's sizes plus
    /// a fold (or unfold) of the forward's matrix: the forward terms.
    public static func backward(
        _ geometry: ConvolutionGeometry, gradient: ConvolutionGradient, algorithm: ConvolutionAlgorithm, threads: Int,
        lengthCosts: FFTLengthCosts? = nil
    ) -> ConvolutionCostTerms {
        if algorithm == .im2col { return forward(geometry, algorithm: .im2col, threads: threads) }
        let parallel = Double(max(1, threads))
        func derivedTerms(_ derived: ConvolutionGeometry, copies: Double) -> ConvolutionCostTerms {
            var terms = forward(derived, algorithm: algorithm, threads: threads, lengthCosts: lengthCosts)
            terms[.copyBytes] += copies / parallel
            return terms
        }
        switch gradient {
        case .input:
            return InputGradientDecomposition(geometry).phases.reduce(ConvolutionCostTerms()) { total, phase in
                guard let derived = phase.geometry else { return total }
                let copies = phase.usesWholeGradient ? 0 : Double(derived.inputShape.reduce(1, *)) * 4
                return total + derivedTerms(derived, copies: copies)
            }
        case .weight:
            if algorithm == .direct && DirectConvolution.hasWeightGradientKernel(geometry) {
                // Stride-1 weight gradients use the direct path's own kernel (dot products over the
                // wide plane): the useful flops times `Wp/Wo` and the 3-column blocking, 4-channel
                // output blocks, plus the copy of dy into the wide layout.
                let g = geometry
                let wp = g.width + g.padLeft + g.padRight
                let columns = Double((g.kernelWidth + 2) / 3 * 3) / Double(g.kernelWidth)
                let efficiency = min(1, Double(g.outChannelsPerGroup) / 4)
                let work = g.usefulFlops * Double(wp) / Double(g.outWidth) * columns
                var terms = ConvolutionCostTerms()
                terms[.calls] = 1
                terms[.directFlops] = work / parallel
                terms[.directBlockingLoss] = work * (1 / efficiency - 1) / parallel
                terms[.copyBytes] = Double(g.batch * g.outChannels * g.outHeight * wp) * 4 / parallel
                return terms
            }
            guard let derived = WeightGradientDecomposition(geometry).geometry else { return ConvolutionCostTerms() }
            let copies = Double(derived.inputShape.reduce(1, *) + derived.weightShape.reduce(1, *)) * 4
            return derivedTerms(derived, copies: copies)
        }
    }

    /// The terms of `pass`.
    public static func of(_ geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, pass: ConvolutionPass, threads: Int,
                          lengthCosts: FFTLengthCosts? = nil) -> ConvolutionCostTerms {
        switch pass {
        case .forward: return forward(geometry, algorithm: algorithm, threads: threads, lengthCosts: lengthCosts)
        case .backwardInput: return backward(geometry, gradient: .input, algorithm: algorithm, threads: threads, lengthCosts: lengthCosts)
        case .backwardWeight: return backward(geometry, gradient: .weight, algorithm: algorithm, threads: threads, lengthCosts: lengthCosts)
        }
    }
}

extension FFTConvolutionLayout {
    /// The share of ``transformFlops`` spent on the input and output maps (the rest transforms the
    /// kernels), counted as ``Shape/transformFlops`` counts: `B·C' + B·O` data transforms against
    /// `O·C'/G` kernel transforms that are pruned to `(kP/TH + 1)/2` of a full one when the kernel
    /// covers at most half the rows. Keep in step with that property.
    var dataTransformShare: Double {
        let data = Double(batchItems * (phaseChannels + geometry.outChannels))
        let pruned = transformHeight > 1 && 2 * phaseKernelHeight <= transformHeight
        let kernelShare = pruned ? (Double(phaseKernelHeight) / Double(transformHeight) + 1) / 2 : 1
        let kernels = Double(geometry.outChannels * phaseChannelsPerGroup) * kernelShare
        return data / (data + kernels)
    }
}
