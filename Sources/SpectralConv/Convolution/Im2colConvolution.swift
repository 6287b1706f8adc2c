import Foundation

/// The im2col + GEMM path: the receptive fields of one (image, group) are unfolded into a matrix
/// and the convolution becomes one matrix product per (image, group).
///
/// For image `n` and group `g`, with `K = C/G·kH·kW` and `P = Ho·Wo`:
///
///     cols[(c·kH + a)·kW + b, i·Wo + j] = x[n, g·C/G + c, i·sH + a·dH − padTop, j·sW + b·dW − padLeft]
///                                         (0 outside the input)
///     y[n, g·O/G ..< (g+1)·O/G] (as [O/G × P]) = W_g [O/G × K] · cols [K × P]
///
/// where `W_g` is rows `g·O/G ..< (g+1)·O/G` of the OIHW weight read as an `[O × K]` matrix. A 1×1,
/// stride-1, unpadded convolution needs no unfold: the input planes already are `cols`.
///
/// Threads (``Parallelism/threads`` = T, the engine's setting, which also sets OpenBLAS' pool):
/// - T == 1: one workspace, single-threaded BLAS.
/// - N·G ≥ T: the first `⌊N·G / T⌋·T` (image, group) items are split evenly over T workers, each with
///   its own workspace and single-threaded BLAS (unfold and GEMM both run in parallel, no barrier
///   between them); the remaining items, if any, go through the shared mode below.
/// - otherwise (shared mode): one item at a time, the unfold split over T threads by matrix rows and
///   the GEMM run by OpenBLAS on T threads.
///
/// Every output element is written by exactly one GEMM (beta = 0), so the output needs no clearing.
/// Not thread-safe: the engine serialises calls. Workspaces only grow and are reused between calls.
final class Im2colConvolution {
    /// How the items are spread over the threads; ``automatic`` is the rule above, the others force
    /// one mode for every item (for measurements and tests).
    enum Strategy: Sendable {
        case automatic
        /// Every item in per-worker mode (items dealt round-robin, uneven counts allowed).
        case perItem
        /// Every item in shared mode.
        case shared
    }

    /// The mode used by ``forward(input:weight:output:geometry:parallelism:)``.
    var strategy: Strategy = .automatic
    /// Bytes of the im2col matrix unfolded and multiplied at a time (nil: all of it); see
    /// ``Im2colLayout/tileRows``.
    var tileBytes: Int? = Im2colConvolution.defaultTileBytes
    /// Minimum GEMM width (columns of a tile) ``tileBytes`` may cut a tile down to.
    var minimumTileColumns = Im2colConvolution.defaultMinimumTileColumns

    /// 2 MiB: a tile stays in the core's L2/L3 between its unfold and the GEMM that packs it
    /// (measured on the N8 C64 56×56 k3 layer: 167 GFLOP/s tiled vs 140 untiled with 2 threads).
    static let defaultTileBytes = 2 << 20
    /// Below ~512 columns OpenBLAS' per-call and packing overheads start to show.
    static let defaultMinimumTileColumns = 512

    /// One workspace per worker (index 0 also serves the shared mode).
    private var workspaces: [ScratchBuffer] = []

    /// Below this many elements (K·P) the shared-mode unfold runs on the calling thread only.
    private static let parallelUnfoldThreshold = 1 << 16

    /// Whether `geometry` is a plain matrix product of the input planes (no unfold needed).
    static func isPointwise(_ geometry: ConvolutionGeometry) -> Bool {
        geometry.kernelHeight == 1 && geometry.kernelWidth == 1
            && geometry.stride.height == 1 && geometry.stride.width == 1
            && geometry.padTop == 0 && geometry.padBottom == 0 && geometry.padLeft == 0 && geometry.padRight == 0
    }

    /// Computes `output` (`[N, O, Ho, Wo]`, fully written) from `input` (`[N, C, H, W]`) and
    /// `weight` (`[O, C/G, kH, kW]`), without bias.
    ///
    /// Pre-specialised for both scalars: callers in other modules (or unspecialised generic code
    /// such as the engine's public entry points) reach the specialised loops, not witness calls.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        geometry: ConvolutionGeometry, parallelism: Parallelism
    ) {
        let plan = Im2colLayout(
            geometry, tileElements: tileBytes.map { $0 / MemoryLayout<S>.stride }, minimumTileColumns: minimumTileColumns)
        let items = geometry.batch * geometry.groups
        let threads = parallelism.threads
        let perItemCount: Int
        switch strategy {
        case .automatic: perItemCount = threads > 1 ? (items / threads) * threads : 0
        case .perItem: perItemCount = threads > 1 ? items : 0
        case .shared: perItemCount = 0
        }
        let workers = min(threads, perItemCount)
        let elements = plan.pointwise ? 0 : plan.rows * plan.tileRows * plan.outWidth
        reserveWorkspaces(max(workers, 1), elements: elements, of: S.self)

        if perItemCount > 0 {
            BLAS.setThreads(1)
            let buffers = UncheckedSendable(workspaces.map { $0.reserve(elements, of: S.self) })
            let pointers = UncheckedSendable((input, weight, output))
            parallelism.forEachChunk(of: workers, oversubscription: 1) { range in
                for worker in range {
                    let cols = buffers.value[worker]
                    // Contiguous share of the first `perItemCount` items for this worker.
                    let start = perItemCount * worker / workers
                    let end = perItemCount * (worker + 1) / workers
                    for item in start..<end {
                        let (x, w, y) = pointers.value
                        Self.compute(item: item, plan: plan, input: x, weight: w, output: y, cols: cols, unfoldParallelism: nil)
                    }
                }
            }
        }
        if perItemCount < items {
            BLAS.setThreads(threads)
            let cols = workspaces[0].reserve(elements, of: S.self)
            let unfoldParallelism = threads > 1 && elements >= Self.parallelUnfoldThreshold ? parallelism : nil
            for item in perItemCount..<items {
                Self.compute(item: item, plan: plan, input: input, weight: weight, output: output, cols: cols, unfoldParallelism: unfoldParallelism)
            }
        }
    }

    private func reserveWorkspaces<S>(_ count: Int, elements: Int, of _: S.Type) {
        while workspaces.count < count { workspaces.append(ScratchBuffer()) }
        for index in 0..<count { _ = workspaces[index].reserve(elements, of: S.self) }
    }

    /// Unfolds and multiplies one (image, group) item: `item = n·G + g`.
    @inline(__always)
    private static func compute<S: TensorScalar>(
        item: Int, plan: Im2colLayout, input: UnsafePointer<S>, weight: UnsafePointer<S>,
        output: UnsafeMutablePointer<S>, cols: UnsafeMutablePointer<S>, unfoldParallelism: Parallelism?
    ) {
        let n = item / plan.groups, g = item % plan.groups
        let x = input + (n * plan.inChannels + g * plan.channelsPerGroup) * plan.planeSize
        let w = weight + g * plan.outChannelsPerGroup * plan.rows
        let y = output + (n * plan.outChannels + g * plan.outChannelsPerGroup) * plan.columns
        if plan.pointwise {
            BLAS.gemm(
                transposeA: false, transposeB: false, m: plan.outChannelsPerGroup, n: plan.columns, k: plan.rows,
                alpha: 1, a: w, lda: plan.rows, b: x, ldb: plan.columns, beta: 0, c: y, ldc: plan.columns)
            return
        }
        var first = 0
        while first < plan.outHeight {
            let outputRows = first..<min(first + plan.tileRows, plan.outHeight)
            let n = outputRows.count * plan.outWidth
            if let unfoldParallelism {
                let shared = UncheckedSendable((x, cols))
                unfoldParallelism.forEachChunk(of: plan.rows, oversubscription: 1) { rows in
                    plan.unfold(shared.value.0, into: shared.value.1, rows: rows, outputRows: outputRows)
                }
            } else {
                plan.unfold(x, into: cols, rows: 0..<plan.rows, outputRows: outputRows)
            }
            BLAS.gemm(
                transposeA: false, transposeB: false, m: plan.outChannelsPerGroup, n: n, k: plan.rows,
                alpha: 1, a: w, lda: plan.rows, b: cols, ldb: n, beta: 0, c: y + first * plan.outWidth, ldc: plan.columns)
            first = outputRows.upperBound
        }
    }
}

/// The sizes of the im2col matrices of one geometry and, per kernel tap, the range of output
/// rows/columns whose tap falls inside the input (outside it the matrix holds padding zeros).
struct Im2colLayout: Sendable {
    let groups, inChannels, outChannels, channelsPerGroup, outChannelsPerGroup: Int
    let height, width, planeSize: Int
    let kernelHeight, kernelWidth: Int
    let outHeight, outWidth: Int
    let strideH, strideW, dilationH, dilationW, padTop, padLeft: Int
    /// Rows of `cols`: K = C/G·kH·kW.
    let rows: Int
    /// Columns of `cols`: P = Ho·Wo.
    let columns: Int
    let pointwise: Bool
    /// Output rows unfolded and multiplied at a time (Ho: the whole matrix at once): as many as fit
    /// `tileElements` (`K·Wo` elements per row), but at least enough for `minimumTileColumns`.
    let tileRows: Int
    /// For kernel row `a`: output rows `rowRange[a]` read input rows inside `0..<H`.
    let rowRanges: [Range<Int>]
    /// For kernel column `b`: output columns `columnRanges[b]` read input columns inside `0..<W`.
    let columnRanges: [Range<Int>]

    init(_ g: ConvolutionGeometry, tileElements: Int? = nil, minimumTileColumns: Int = 1) {
        groups = g.groups
        inChannels = g.inChannels
        outChannels = g.outChannels
        channelsPerGroup = g.inChannelsPerGroup
        outChannelsPerGroup = g.outChannelsPerGroup
        height = g.height
        width = g.width
        planeSize = g.height * g.width
        kernelHeight = g.kernelHeight
        kernelWidth = g.kernelWidth
        outHeight = g.outHeight
        outWidth = g.outWidth
        strideH = g.stride.height
        strideW = g.stride.width
        dilationH = g.dilation.height
        dilationW = g.dilation.width
        padTop = g.padTop
        padLeft = g.padLeft
        rows = g.inChannelsPerGroup * g.kernelHeight * g.kernelWidth
        columns = g.outHeight * g.outWidth
        pointwise = Im2colConvolution.isPointwise(g)
        if let tileElements {
            let byBudget = tileElements / max(rows * g.outWidth, 1)
            let byWidth = (minimumTileColumns + g.outWidth - 1) / g.outWidth
            tileRows = min(max(byBudget, byWidth, 1), g.outHeight)
        } else {
            tileRows = g.outHeight
        }
        rowRanges = (0..<g.kernelHeight).map {
            Self.validRange(offset: $0 * g.dilation.height - g.padTop, stride: g.stride.height, input: g.height, output: g.outHeight)
        }
        columnRanges = (0..<g.kernelWidth).map {
            Self.validRange(offset: $0 * g.dilation.width - g.padLeft, stride: g.stride.width, input: g.width, output: g.outWidth)
        }
    }

    /// The outputs `i` in `0..<output` with `0 ≤ i·stride + offset < input`.
    static func validRange(offset: Int, stride: Int, input: Int, output: Int) -> Range<Int> {
        // smallest i with i·s ≥ −offset, and smallest i with i·s ≥ input − offset
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a <= 0 ? -((-a) / b) : (a + b - 1) / b }
        let low = min(max(ceilDiv(-offset, stride), 0), output)
        let high = min(max(ceilDiv(input - offset, stride), low), output)
        return low..<high
    }

    /// Writes rows `rows` of the im2col matrix for the `C/G` input planes starting at `x`, restricted
    /// to the output rows `outputRows` (all of them: the full `[K × P]` matrix): row `r` of `cols`
    /// starts at `r · outputRows.count · Wo`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func unfold<S: TensorScalar>(
        _ x: UnsafePointer<S>, into cols: UnsafeMutablePointer<S>, rows: Range<Int>, outputRows: Range<Int>
    ) {
        let taps = kernelHeight * kernelWidth
        let rowLength = outputRows.count * outWidth
        for row in rows {
            let c = row / taps, tap = row % taps
            let a = tap / kernelWidth, b = tap % kernelWidth
            let plane = x + c * planeSize
            // `destination[i · Wo]` is output row i (i in outputRows).
            let destination = cols + row * rowLength - outputRows.lowerBound * outWidth
            let valid = rowRanges[a].clamped(to: outputRows), span = columnRanges[b]
            // Output rows whose tap lies above or below the input: whole runs of zeros.
            if valid.isEmpty {
                zero(cols + row * rowLength, count: rowLength)
                continue
            }
            if valid.lowerBound > outputRows.lowerBound {
                zero(destination + outputRows.lowerBound * outWidth, count: (valid.lowerBound - outputRows.lowerBound) * outWidth)
            }
            if valid.upperBound < outputRows.upperBound {
                zero(destination + valid.upperBound * outWidth, count: (outputRows.upperBound - valid.upperBound) * outWidth)
            }
            if span.isEmpty {
                zero(destination + valid.lowerBound * outWidth, count: valid.count * outWidth)
                continue
            }
            let columnOffset = b * dilationW - padLeft
            let left = span.lowerBound, right = outWidth - span.upperBound, runLength = span.count
            for i in valid {
                let out = destination + i * outWidth
                let inputRow = i * strideH + a * dilationH - padTop
                let source = plane + inputRow * width + (left * strideW + columnOffset)
                if left > 0 { zero(out, count: left) }
                if strideW == 1 {
                    (out + left).update(from: source, count: runLength)
                } else if strideW == 2 {
                    Self.gatherEven(from: source, to: out + left, count: runLength)
                } else {
                    var pointer = source
                    for j in 0..<runLength {
                        out[left + j] = pointer.pointee
                        pointer += strideW
                    }
                }
                if right > 0 { zero(out + span.upperBound, count: right) }
            }
        }
    }

    /// `destination[j] = source[2j]` for `j < count`, 8 at a time with vector loads of 16 while the
    /// 16 elements lie within the run (`source[2·(count − 1)]` is its last valid element).
    @inline(__always)
    private static func gatherEven<S: TensorScalar>(from source: UnsafePointer<S>, to destination: UnsafeMutablePointer<S>, count: Int) {
        var j = 0
        let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(destination)
        let stride = MemoryLayout<S>.stride
        while 2 * j + 15 <= 2 * (count - 1) {
            let block = raw.loadUnaligned(fromByteOffset: 2 * j * stride, as: SIMD16<S>.self)
            out.storeBytes(of: block.evenHalf, toByteOffset: j * stride, as: SIMD8<S>.self)
            j += 8
        }
        while j < count {
            destination[j] = source[2 * j]
            j += 1
        }
    }

    @inline(__always)
    private func zero<S>(_ pointer: UnsafeMutablePointer<S>, count: Int) {
        memset(pointer, 0, count * MemoryLayout<S>.stride)
    }
}
