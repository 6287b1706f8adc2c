/// The im2col path's gradients, with the forward's matrices (see ``Im2colConvolution``):
///
///     dcols [K × P] = W_gᵀ [K × O/G] · dY_g [O/G × P]        then col2im: dx += fold(dcols)
///     dW_g  [O/G × K] += dY_g [O/G × P] · colsᵀ [P × K]       summed over the images
///
/// `fold` is the adjoint of ``Im2colLayout/unfold(_:into:rows:outputRows:)``: every matrix element
/// is added to the input element it was copied from (padding positions are dropped). Both GEMMs
/// cost the forward's `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds; the fold (like the unfold) is one pass
/// over `K·P` elements per (image, group). A 1×1, stride-1, unpadded convolution needs neither.
///
/// Tiles of output rows as in the forward. Threads: the (image, group) items are split over the
/// workers (single-threaded OpenBLAS) when there are at least as many items as threads — for the
/// weight gradient each worker accumulates its own partial gradient and the partials are summed at
/// the end; otherwise items run one after another with OpenBLAS on every thread (and the fold
/// split by channels).
extension Im2colConvolution {
    /// Computes `dx` (`[N, C, H, W]`, fully written) from `dy` (`[N, O, Ho, Wo]`) and `weight`.
    func backwardInput<S: TensorScalar>(
        outputGradient dy: UnsafePointer<S>, weight: UnsafePointer<S>, inputGradient dx: UnsafeMutablePointer<S>,
        geometry g: ConvolutionGeometry, parallelism: Parallelism
    ) {
        let plan = Im2colLayout(g, tileElements: tileBytes.map { $0 / MemoryLayout<S>.stride }, minimumTileColumns: minimumTileColumns)
        let items = g.batch * g.groups, threads = parallelism.threads
        let split = threads == 1 || items >= threads
        let workers = split ? min(threads, items) : 1
        let buffers = reserveColumns(plan: plan, workers: workers, of: S.self)
        if split {
            BLAS.setThreads(1)
            let run = { (worker: Int) in
                for item in (items * worker / workers)..<(items * (worker + 1) / workers) {
                    Self.inputGradient(item: item, plan: plan, outputGradient: dy, weight: weight, inputGradient: dx,
                                       cols: buffers[worker], foldParallelism: nil)
                }
            }
            if workers == 1 { run(0) } else { parallelism.forEachChunk(of: workers, oversubscription: 1) { $0.forEach(run) } }
        } else {
            BLAS.setThreads(threads)
            for item in 0..<items {
                Self.inputGradient(item: item, plan: plan, outputGradient: dy, weight: weight, inputGradient: dx,
                                   cols: buffers[0], foldParallelism: parallelism)
            }
        }
    }

    /// Computes `dw` (`[O, C/G, kH, kW]`, fully written) from `x` and `dy`.
    func backwardWeight<S: TensorScalar>(
        input x: UnsafePointer<S>, outputGradient dy: UnsafePointer<S>, weightGradient dw: UnsafeMutablePointer<S>,
        geometry g: ConvolutionGeometry, parallelism: Parallelism
    ) {
        let plan = Im2colLayout(g, tileElements: tileBytes.map { $0 / MemoryLayout<S>.stride }, minimumTileColumns: minimumTileColumns)
        let items = g.batch * g.groups, threads = parallelism.threads
        let split = threads == 1 || items >= threads
        let workers = split ? min(threads, items) : 1
        let buffers = reserveColumns(plan: plan, workers: workers, of: S.self)
        let weightCount = g.outChannels * plan.rows
        while partialWorkspaces.count < workers { partialWorkspaces.append(ScratchBuffer()) }
        // Worker 0 accumulates into dw itself, the others into their own partial gradient.
        let partials = (0..<workers).map { $0 == 0 ? dw : partialWorkspaces[$0].reserve(weightCount, of: S.self) }
        if split {
            BLAS.setThreads(1)
            let run = { (worker: Int) in
                let partial = partials[worker]
                partial.update(repeating: 0, count: weightCount)
                for item in (items * worker / workers)..<(items * (worker + 1) / workers) {
                    Self.weightGradient(item: item, plan: plan, input: x, outputGradient: dy, weightGradient: partial,
                                        cols: buffers[worker], unfoldParallelism: nil)
                }
            }
            if workers == 1 { run(0) } else { parallelism.forEachChunk(of: workers, oversubscription: 1) { $0.forEach(run) } }
            for worker in 1..<max(workers, 1) {
                let partial = partials[worker]
                for index in 0..<weightCount { dw[index] += partial[index] }
            }
        } else {
            BLAS.setThreads(threads)
            dw.update(repeating: 0, count: weightCount)
            let elements = plan.rows * plan.columns / max(plan.tileCount, 1)
            let unfoldParallelism = elements >= Self.parallelUnfoldThreshold ? parallelism : nil
            for item in 0..<items {
                Self.weightGradient(item: item, plan: plan, input: x, outputGradient: dy, weightGradient: dw,
                                    cols: buffers[0], unfoldParallelism: unfoldParallelism)
            }
        }
    }

    /// One matrix tile per worker (the forward's size rule).
    private func reserveColumns<S>(plan: Im2colLayout, workers: Int, of _: S.Type) -> [UnsafeMutablePointer<S>] {
        let tileRows = (plan.outHeight + plan.tileCount - 1) / plan.tileCount
        let elements = plan.pointwise ? 0 : plan.rows * tileRows * plan.outWidth
        while workspaces.count < workers { workspaces.append(ScratchBuffer()) }
        return workspaces.prefix(workers).map { $0.reserve(elements, of: S.self) }
    }

    /// dx planes of item `n·G + g`: for each tile `dcols = W_gᵀ · dY_g[:, tile]`, folded into dx.
    private static func inputGradient<S: TensorScalar>(
        item: Int, plan: Im2colLayout, outputGradient dy: UnsafePointer<S>, weight: UnsafePointer<S>,
        inputGradient dx: UnsafeMutablePointer<S>, cols: UnsafeMutablePointer<S>, foldParallelism: Parallelism?
    ) {
        let n = item / plan.groups, g = item % plan.groups
        let target = dx + (n * plan.inChannels + g * plan.channelsPerGroup) * plan.planeSize
        let w = weight + g * plan.outChannelsPerGroup * plan.rows
        let gradient = dy + (n * plan.outChannels + g * plan.outChannelsPerGroup) * plan.columns
        if plan.pointwise {
            BLAS.gemm(
                transposeA: true, transposeB: false, m: plan.rows, n: plan.columns, k: plan.outChannelsPerGroup,
                alpha: 1, a: w, lda: plan.rows, b: gradient, ldb: plan.columns, beta: 0, c: target, ldc: plan.columns)
            return
        }
        target.update(repeating: 0, count: plan.channelsPerGroup * plan.planeSize)
        let taps = plan.kernelHeight * plan.kernelWidth
        for tile in 0..<plan.tileCount {
            let outputRows = plan.outputRows(tile: tile, of: plan.tileCount)
            let width = outputRows.count * plan.outWidth
            guard width > 0 else { continue }
            BLAS.gemm(
                transposeA: true, transposeB: false, m: plan.rows, n: width, k: plan.outChannelsPerGroup,
                alpha: 1, a: w, lda: plan.rows, b: gradient + outputRows.lowerBound * plan.outWidth, ldb: plan.columns,
                beta: 0, c: cols, ldc: width)
            if let foldParallelism {
                // Channels fold into disjoint planes.
                foldParallelism.forEachChunk(of: plan.channelsPerGroup, oversubscription: 1) { channels in
                    plan.fold(cols, into: target, rows: (channels.lowerBound * taps)..<(channels.upperBound * taps), outputRows: outputRows)
                }
            } else {
                plan.fold(cols, into: target, rows: 0..<plan.rows, outputRows: outputRows)
            }
        }
    }

    /// Adds item `n·G + g`'s contribution `dY_g · colsᵀ` to `dW_g`.
    private static func weightGradient<S: TensorScalar>(
        item: Int, plan: Im2colLayout, input x: UnsafePointer<S>, outputGradient dy: UnsafePointer<S>,
        weightGradient dw: UnsafeMutablePointer<S>, cols: UnsafeMutablePointer<S>, unfoldParallelism: Parallelism?
    ) {
        let n = item / plan.groups, g = item % plan.groups
        let source = x + (n * plan.inChannels + g * plan.channelsPerGroup) * plan.planeSize
        let gradient = dy + (n * plan.outChannels + g * plan.outChannelsPerGroup) * plan.columns
        let target = dw + g * plan.outChannelsPerGroup * plan.rows
        if plan.pointwise {
            BLAS.gemm(
                transposeA: false, transposeB: true, m: plan.outChannelsPerGroup, n: plan.rows, k: plan.columns,
                alpha: 1, a: gradient, lda: plan.columns, b: source, ldb: plan.columns, beta: 1, c: target, ldc: plan.rows)
            return
        }
        for tile in 0..<plan.tileCount {
            let outputRows = plan.outputRows(tile: tile, of: plan.tileCount)
            let width = outputRows.count * plan.outWidth
            guard width > 0 else { continue }
            if let unfoldParallelism {
                unfoldParallelism.forEachChunk(of: plan.rows, oversubscription: 1) { rows in
                    plan.unfold(source, into: cols, rows: rows, outputRows: outputRows)
                }
            } else {
                plan.unfold(source, into: cols, rows: 0..<plan.rows, outputRows: outputRows)
            }
            BLAS.gemm(
                transposeA: false, transposeB: true, m: plan.outChannelsPerGroup, n: plan.rows, k: width,
                alpha: 1, a: gradient + outputRows.lowerBound * plan.outWidth, lda: plan.columns, b: cols, ldb: width,
                beta: 1, c: target, ldc: plan.rows)
        }
    }
}

extension Im2colLayout {
    /// col2im, the adjoint of ``unfold(_:into:rows:outputRows:)``: adds rows `rows` of a matrix
    /// restricted to `outputRows` (row `r` at `r · outputRows.count · Wo`) to the input planes at
    /// `dx` that the unfold would have read them from; entries that the unfold filled with padding
    /// zeros are skipped.
    func fold<S: TensorScalar>(
        _ cols: UnsafePointer<S>, into dx: UnsafeMutablePointer<S>, rows: Range<Int>, outputRows: Range<Int>
    ) {
        let taps = kernelHeight * kernelWidth
        let rowLength = outputRows.count * outWidth, first = outputRows.lowerBound
        for row in rows {
            let c = row / taps, tap = row % taps
            let a = tap / kernelWidth, b = tap % kernelWidth
            let valid = rowRanges[a].clamped(to: outputRows), span = columnRanges[b]
            guard !valid.isEmpty, !span.isEmpty else { continue }
            let plane = dx + c * planeSize
            let columnOffset = span.lowerBound * strideW + b * dilationW - padLeft
            for i in valid {
                let source = cols + row * rowLength + (i - first) * outWidth + span.lowerBound
                let target = plane + (i * strideH + a * dilationH - padTop) * width + columnOffset
                if strideW == 1 {
                    for j in 0..<span.count { target[j] += source[j] }
                } else {
                    for j in 0..<span.count { target[j * strideW] += source[j] }
                }
            }
        }
    }
}
