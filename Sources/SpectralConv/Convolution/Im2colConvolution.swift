import Foundation

/// The im2col + GEMM path: the receptive fields of one (image, group) are unfolded into a matrix
/// and the convolution becomes a matrix product per (image, group).
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
/// Tiles: `cols` is built and multiplied a band of output rows at a time (about
/// ``defaultTileBytes`` of matrix, at least ``defaultMinimumTileColumns`` columns), so that a tile is
/// still in cache when the GEMM packs it; each tile's GEMM writes its own columns of the output
/// (`ldc = P`). A layer whose whole matrix fits the budget is one GEMM per (image, group).
///
/// Threads (T = ``Parallelism/threads``, the engine's setting):
/// - split mode, when there are at least T (image, group, tile) units: the units are divided into T
///   contiguous shares, one per worker, each with its own workspace and OpenBLAS set to 1 thread;
///   unfold and GEMM run in parallel with no barrier between them. Tiles are halved (down to one
///   output row) until the units divide evenly among the workers or there are at least 4 per worker.
/// - shared mode, otherwise (a single small image): one unit at a time, its unfold split over the T
///   threads by matrix rows and its GEMM run by OpenBLAS on T threads.
///
/// Only one mode runs in a call: mixing them makes OpenBLAS' worker threads, which spin for a while
/// after a multi-threaded call, compete with the split-mode workers (measured: N=3 on 2 threads took
/// 7.5 ms mixed, 4.6 ms shared only).
///
/// Every output element is written by exactly one GEMM (beta = 0), so the output needs no clearing.
/// Not thread-safe: the engine serialises calls. Workspaces only grow and are reused between calls.
final class Im2colConvolution {
    /// How the work is spread over the threads; ``automatic`` is the rule above, the others force
    /// one mode (for measurements and tests).
    enum Strategy: Sendable {
        case automatic
        /// Split mode whatever the unit count.
        case split
        /// Shared mode whatever the unit count.
        case shared
    }

    /// The mode used by ``forward(input:weight:output:geometry:parallelism:)``.
    var strategy: Strategy = .automatic
    /// Bytes of the im2col matrix unfolded and multiplied at a time (nil: all of it).
    var tileBytes: Int? = Im2colConvolution.defaultTileBytes
    /// Minimum GEMM width (columns of a tile) ``tileBytes`` may cut a tile down to.
    var minimumTileColumns = Im2colConvolution.defaultMinimumTileColumns

    /// 2 MiB: a tile stays in the core's L2/L3 between its unfold and the GEMM that packs it
    /// (N8 C64 56×56 k3, 2 threads: 167 GFLOP/s tiled vs 113 untiled in split mode).
    static let defaultTileBytes = 2 << 20
    /// Below ~512 columns OpenBLAS' per-call and packing overheads start to show.
    static let defaultMinimumTileColumns = 512

    /// One workspace per split-mode worker (index 0 also serves the shared mode).
    var workspaces: [ScratchBuffer] = []
    /// One partial weight gradient per split-mode worker (``backwardWeight(input:outputGradient:weightGradient:geometry:parallelism:)``).
    var partialWorkspaces: [ScratchBuffer] = []

    /// Below this many elements per tile the shared-mode unfold runs on the calling thread only.
    static let parallelUnfoldThreshold = 1 << 16

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
    func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        geometry: ConvolutionGeometry, parallelism: Parallelism
    ) {
        let plan = Im2colLayout(
            geometry, tileElements: tileBytes.map { $0 / MemoryLayout<S>.stride }, minimumTileColumns: minimumTileColumns)
        let items = geometry.batch * geometry.groups
        let threads = parallelism.threads

        var tiles = plan.tileCount
        if threads > 1 {
            // Finer tiles until the units share evenly (or there are plenty of them).
            while (items * tiles) % threads != 0 && items * tiles < 4 * threads && tiles * 2 <= geometry.outHeight {
                tiles *= 2
            }
        }
        let units = items * tiles
        let split: Bool
        switch strategy {
        case .automatic: split = threads == 1 || units >= threads
        case .split: split = true
        case .shared: split = false
        }
        let tileRows = (geometry.outHeight + tiles - 1) / tiles
        let elements = plan.pointwise ? 0 : plan.rows * tileRows * plan.outWidth
        let workers = split ? min(threads, units) : 1
        while workspaces.count < workers { workspaces.append(ScratchBuffer()) }
        let buffers = workspaces.prefix(workers).map { $0.reserve(elements, of: S.self) }

        if split {
            BLAS.setThreads(1)
            let run = { (worker: Int) in
                for unit in (units * worker / workers)..<(units * (worker + 1) / workers) {
                    Self.compute(
                        item: unit / tiles, outputRows: plan.outputRows(tile: unit % tiles, of: tiles), plan: plan,
                        input: input, weight: weight, output: output, cols: buffers[worker], unfoldParallelism: nil)
                }
            }
            if workers == 1 {
                run(0)
            } else {
                parallelism.forEachChunk(of: workers, oversubscription: 1) { range in range.forEach(run) }
            }
        } else {
            BLAS.setThreads(threads)
            let unfoldParallelism = threads > 1 && elements >= Self.parallelUnfoldThreshold ? parallelism : nil
            for unit in 0..<units {
                Self.compute(
                    item: unit / tiles, outputRows: plan.outputRows(tile: unit % tiles, of: tiles), plan: plan,
                    input: input, weight: weight, output: output, cols: buffers[0], unfoldParallelism: unfoldParallelism)
            }
        }
    }

    /// Unfolds and multiplies one unit: output rows `outputRows` of item `item = n·G + g`.
    @inline(__always)
    private static func compute<S: TensorScalar>(
        item: Int, outputRows: Range<Int>, plan: Im2colLayout, input: UnsafePointer<S>, weight: UnsafePointer<S>,
        output: UnsafeMutablePointer<S>, cols: UnsafeMutablePointer<S>, unfoldParallelism: Parallelism?
    ) {
        let n = item / plan.groups, g = item % plan.groups
        let x = input + (n * plan.inChannels + g * plan.channelsPerGroup) * plan.planeSize
        let w = weight + g * plan.outChannelsPerGroup * plan.rows
        let y = output + (n * plan.outChannels + g * plan.outChannelsPerGroup) * plan.columns
        let firstColumn = outputRows.lowerBound * plan.outWidth
        let width = outputRows.count * plan.outWidth
        guard width > 0 else { return }
        if plan.pointwise {
            // The input planes are the matrix: [C/G × P] with row stride P = H·W.
            BLAS.gemm(
                transposeA: false, transposeB: false, m: plan.outChannelsPerGroup, n: width, k: plan.rows,
                alpha: 1, a: w, lda: plan.rows, b: x + firstColumn, ldb: plan.columns, beta: 0, c: y + firstColumn, ldc: plan.columns)
            return
        }
        if let unfoldParallelism {
            unfoldParallelism.forEachChunk(of: plan.rows, oversubscription: 1) { rows in
                plan.unfold(x, into: cols, rows: rows, outputRows: outputRows)
            }
        } else {
            plan.unfold(x, into: cols, rows: 0..<plan.rows, outputRows: outputRows)
        }
        BLAS.gemm(
            transposeA: false, transposeB: false, m: plan.outChannelsPerGroup, n: width, k: plan.rows,
            alpha: 1, a: w, lda: plan.rows, b: cols, ldb: width, beta: 0, c: y + firstColumn, ldc: plan.columns)
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
    /// Bands of output rows the matrix is built in (1: the whole matrix at once): bands as tall as
    /// fit `tileElements` (`K·Wo` elements per row), but at least `minimumTileColumns` wide.
    let tileCount: Int
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
            let tileRows = min(max(byBudget, byWidth, 1), g.outHeight)
            tileCount = (g.outHeight + tileRows - 1) / tileRows
        } else {
            tileCount = 1
        }
        rowRanges = (0..<g.kernelHeight).map {
            Self.validRange(offset: $0 * g.dilation.height - g.padTop, stride: g.stride.height, input: g.height, output: g.outHeight)
        }
        columnRanges = (0..<g.kernelWidth).map {
            Self.validRange(offset: $0 * g.dilation.width - g.padLeft, stride: g.stride.width, input: g.width, output: g.outWidth)
        }
    }

    /// Output rows of band `tile` when the `Ho` rows are cut into `count` bands of (nearly) equal height.
    func outputRows(tile: Int, of count: Int) -> Range<Int> {
        (outHeight * tile / count)..<(outHeight * (tile + 1) / count)
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
    func unfold<S: TensorScalar>(
        _ x: UnsafePointer<S>, into cols: UnsafeMutablePointer<S>, rows: Range<Int>, outputRows: Range<Int>
    ) {
        let taps = kernelHeight * kernelWidth
        let rowLength = outputRows.count * outWidth
        for row in rows {
            let c = row / taps, tap = row % taps
            let a = tap / kernelWidth, b = tap % kernelWidth
            let plane = x + c * planeSize
            // Output row i (i in outputRows) of this matrix row starts at `start + (i − first)·Wo`.
            let start = cols + row * rowLength, first = outputRows.lowerBound
            let valid = rowRanges[a].clamped(to: outputRows), span = columnRanges[b]
            // Output rows whose tap lies above or below the input: whole runs of zeros.
            if valid.isEmpty {
                zero(start, count: rowLength)
                continue
            }
            if valid.lowerBound > first {
                zero(start, count: (valid.lowerBound - first) * outWidth)
            }
            if valid.upperBound < outputRows.upperBound {
                zero(start + (valid.upperBound - first) * outWidth, count: (outputRows.upperBound - valid.upperBound) * outWidth)
            }
            if span.isEmpty {
                zero(start + (valid.lowerBound - first) * outWidth, count: valid.count * outWidth)
                continue
            }
            let columnOffset = b * dilationW - padLeft
            let left = span.lowerBound, right = outWidth - span.upperBound, runLength = span.count
            for i in valid {
                let out = start + (i - first) * outWidth
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
