/// The direct path: the convolution's definition (see ``ReferenceConvolution``) computed with
/// register-blocked SIMD loops over a zero-padded copy of the input.
///
/// Layouts: input NCHW `[N, C, H, W]`, weight OIHW `[O, C/G, kH, kW]` (read in place), output
/// NCHW `[N, O, Ho, Wo]`; a 1-D convolution arrives as `H = kH = 1`. No bias (the engine adds it).
///
/// ## Scheme
/// 1. A ``Plan`` fixes the blocking for the geometry: channel blocks sized for L1, row (and, for
///    very long rows, column) bands sized for L2, and output-channel chunks for the threads.
/// 2. Work items — (output-channel chunk, image, group, row band, column band) — write disjoint
///    output and are spread over the threads. For each channel block an item copies the input it
///    needs into a zero-padded, stride-phase-split band
///    (``fillBand(_:input:channels:firstRow:rows:firstColumn:geometry:plan:vector:)``), so the inner
///    loops have no bounds checks and every load is contiguous whatever the stride.
/// 3. For each block of 4 output channels and each run of 3 vector tiles (24 `Float` / 12 `Double`
///    output columns, possibly spanning rows) the microkernel
///    (``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:weightStride:output:planeSize:outputChannels:accumulate:vector:)``)
///    keeps 12 accumulators in registers over the block's channels and all taps, then writes (or,
///    after the first channel block, adds) them once. Groups with 1–2 output channels (depthwise)
///    use a 1-channel × 8-tile kernel instead.
///
/// Cost: `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds, times `⌈Wo/lanes⌉·lanes / Wo` for the partial last
/// vector of each row (and up to 4/3 more for groups of 3 output channels). The band copies are
/// `O(N·C·Hp·Wp)` per output-channel chunk, plus the rows shared by neighbouring bands. Results
/// do not depend on the thread count: every output element sees the same operations in the
/// same order.
///
/// Measured on the project's Zen 4 machines with `-target-cpu haswell -DSPECTRALCONV_FMA`, one
/// thread: ~100 GFLOP/s for 3×3 and 7×7 layers with 32–512 channels, about OpenBLAS' sgemm rate.
enum DirectConvolution {
    /// Computes `output = input ⋆ weight` (cross-correlation), writing every output element.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]`.
    ///   - weight: `[O, C/G, kH, kW]`.
    ///   - output: `[N, O, Ho, Wo]`, overwritten.
    static func forward<S: TensorScalar>(
        input: UnsafePointer<S>, weight: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
        geometry: ConvolutionGeometry, parallelism: Parallelism
    ) {
        // One switch on the precision, then concrete vector types: SIMD8<Float> and SIMD4<Double>
        // are both one 256-bit register, and the generic driver is specialised for each.
        switch S.precision {
        case .single:
            input.withMemoryRebound(to: Float.self, capacity: 1) { x in
                weight.withMemoryRebound(to: Float.self, capacity: 1) { w in
                    output.withMemoryRebound(to: Float.self, capacity: 1) { y in
                        run(input: x, weight: w, output: y, geometry: geometry, parallelism: parallelism, vector: SIMD8<Float>.self)
                    }
                }
            }
        case .double:
            input.withMemoryRebound(to: Double.self, capacity: 1) { x in
                weight.withMemoryRebound(to: Double.self, capacity: 1) { w in
                    output.withMemoryRebound(to: Double.self, capacity: 1) { y in
                        run(input: x, weight: w, output: y, geometry: geometry, parallelism: parallelism, vector: SIMD4<Double>.self)
                    }
                }
            }
        }
    }

    /// Layers with fewer useful flops than this (2^21, about 20 µs of work on one core) run on the
    /// calling thread. Below it a second thread costs about what it brings: a fork/join through
    /// ``WorkerPool`` takes a few µs, and the parallel plan splits the work into output-channel
    /// chunks and narrower row bands, each of which fills its own input band. Measured with
    /// `spectralconv bench layer --batch 1 --padding same --algorithms direct --threads 2
    /// --repeats 60` on 2 idle cores, the layer forced serial → parallel (ms, medians of three
    /// processes): 16-channel 12² k=3 (0.66 Mflop) 0.015 → 0.024; 8→16-channel 24² k=3
    /// (1.3 Mflop) 0.015 → 0.014; 1-channel 64² k=15 (1.8 Mflop) 0.031 → 0.042 or 0.024;
    /// 8-channel 28² k=5 (2.5 Mflop) 0.042 → 0.030; 16-channel 32² k=3 (4.7 Mflop) 0.071 →
    /// 0.043; 1-channel 128² k=16 (8.4 Mflop) 0.172 → 0.088. (With `concurrentPerform` as the
    /// fork the break-even was near 2^24.)
    static let serialFlops = 2_097_152.0

    /// The threads the direct path uses on `g` with `available` threads: 1 below ``serialFlops``.
    static func workingThreads(_ g: ConvolutionGeometry, available: Int) -> Int {
        g.usefulFlops < serialFlops ? 1 : max(1, available)
    }

    /// The driver for one vector type: plans, then runs the work items in parallel (on the calling
    /// thread for tiny layers, ``serialFlops``), each thread with its own band scratch.
    static func run<V: SIMD>(
        input: UnsafePointer<V.Scalar>, weight: UnsafePointer<V.Scalar>, output: UnsafeMutablePointer<V.Scalar>,
        geometry g: ConvolutionGeometry, parallelism: Parallelism, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        typealias S = V.Scalar
        let parallelism = Parallelism(threads: workingThreads(g, available: parallelism.threads))
        let plan = Plan(geometry: g, lanes: V.scalarCount, scalarSize: MemoryLayout<S>.stride, threads: parallelism.threads)

        plan.tapOffsets.withUnsafeBufferPointer { tapOffsets in
            let taps = UnsafePointer(tapOffsets.baseAddress!)
            parallelism.forEachChunk(of: plan.itemCount) { range in
                let scratch = ScratchBuffer()
                let band = scratch.reserve(plan.bandScratchCount, of: S.self)
                for item in range {
                    computeItem(
                        item, band: band, input: input, weight: weight, output: output,
                        taps: taps, geometry: g, plan: plan, vector: V.self)
                }
            }
        }
    }

    /// One work item: every output channel of one chunk, for one image, group, row band and
    /// column band. Channel block by channel block, it fills the band and runs the microkernel
    /// over every (output-channel block, tile run) pair.
    static func computeItem<V: SIMD>(
        _ item: Int, band: UnsafeMutablePointer<V.Scalar>,
        input: UnsafePointer<V.Scalar>, weight: UnsafePointer<V.Scalar>, output: UnsafeMutablePointer<V.Scalar>,
        taps: UnsafePointer<Int>, geometry g: ConvolutionGeometry, plan: Plan, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        // item = (((chunk · N + image) · G + group) · rowBands + rowBand) · columnBands + columnBand
        var rest = item
        let columnBand = rest % plan.columnBandCount
        rest /= plan.columnBandCount
        let rowBand = rest % plan.rowBandCount
        rest /= plan.rowBandCount
        let group = rest % g.groups
        rest /= g.groups
        let image = rest % g.batch
        let chunk = rest / g.batch

        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let tapCount = g.kernelHeight * g.kernelWidth
        let planeSize = g.outHeight * g.outWidth
        let block = plan.outputChannelBlock
        let firstBlock = chunk * plan.blocksPerChunk
        let endBlock = min(plan.outputChannelBlocks, firstBlock + plan.blocksPerChunk)

        let firstRow = rowBand * plan.bandRows
        let rows = min(plan.bandRows, g.outHeight - firstRow)
        let inputRows = (rows - 1) * g.stride.height + g.effectiveKernelHeight
        let firstColumn = columnBand * plan.bandColumns
        let bandTiles = columnBand == plan.columnBandCount - 1 ? plan.lastColumnTiles : plan.tiles
        let tileCount = rows * (bandTiles.count / plan.bandRows)

        let groupInput = input + (image * g.inChannels + group * cg) * g.height * g.width
        let groupWeights = weight + group * og * cg * tapCount
        let bandOutput = output + (image * g.outChannels + group * og) * planeSize + firstRow * g.outWidth + firstColumn

        bandTiles.withUnsafeBufferPointer { tiles in
            let tiles = tiles.baseAddress!
            for firstChannel in stride(from: 0, to: cg, by: plan.channelBlock) {
                let channels = min(plan.channelBlock, cg - firstChannel)
                fillBand(
                    band, input: groupInput + firstChannel * g.height * g.width, channels: channels,
                    firstRow: firstRow * g.stride.height, rows: inputRows, firstColumn: firstColumn, geometry: g, plan: plan, vector: V.self)
                for blockIndex in firstBlock..<endBlock {
                    let firstOutput = blockIndex * block
                    let blockWeights = groupWeights + (firstOutput * cg + firstChannel) * tapCount
                    let blockOutput = bandOutput + firstOutput * planeSize
                    var first = 0
                    while first < tileCount {
                        // Runs of tilesPerCall; a trailing 4 (of 3-tile runs) goes as 2 + 2, not 3 + 1.
                        let remaining = tileCount - first
                        let count = remaining == 4 && plan.tilesPerCall == 3 ? 2 : min(plan.tilesPerCall, remaining)
                        computeRun(
                            count, tiles: tiles + first, input: UnsafePointer(band), channels: channels, channelStride: plan.channelStride,
                            taps: taps, tapCount: tapCount, weights: blockWeights, weightStride: cg * tapCount,
                            output: blockOutput, planeSize: planeSize,
                            outputChannelBlock: block, outputChannels: min(block, og - firstOutput),
                            accumulate: firstChannel > 0, vector: V.self)
                        first += count
                    }
                }
            }
        }
    }

    /// One run of `count` tiles for one block of output channels, through the microkernel that
    /// fits: ``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:weightStride:output:planeSize:outputChannels:accumulate:vector:)``
    /// for 4-channel blocks, ``kernel1(_:tiles:input:channels:channelStride:taps:tapCount:weights:output:accumulate:vector:)``
    /// (in runs of 8, 4, 2, 1 tiles) for single channels.
    @inline(__always)
    static func computeRun<V: SIMD>(
        _ count: Int, tiles: UnsafePointer<Tile>,
        input: UnsafePointer<V.Scalar>, channels: Int, channelStride: Int,
        taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<V.Scalar>, weightStride: Int,
        output: UnsafeMutablePointer<V.Scalar>, planeSize: Int, outputChannelBlock: Int, outputChannels: Int,
        accumulate: Bool, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        if outputChannelBlock == 4 {
            switch count {
            case 3:
                kernel4(
                    ThreeTiles.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, weightStride: weightStride,
                    output: output, planeSize: planeSize, outputChannels: outputChannels, accumulate: accumulate, vector: V.self)
            case 2:
                kernel4(
                    TwoTiles.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, weightStride: weightStride,
                    output: output, planeSize: planeSize, outputChannels: outputChannels, accumulate: accumulate, vector: V.self)
            default:
                kernel4(
                    OneTile.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, weightStride: weightStride,
                    output: output, planeSize: planeSize, outputChannels: outputChannels, accumulate: accumulate, vector: V.self)
            }
            return
        }
        var start = 0, size = 8
        while start < count {
            while count - start < size { size /= 2 }
            let run = tiles + start
            switch size {
            case 8:
                kernel1(
                    EightTiles.self, tiles: run, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, output: output, accumulate: accumulate, vector: V.self)
            case 4:
                kernel1(
                    FourTiles.self, tiles: run, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, output: output, accumulate: accumulate, vector: V.self)
            case 2:
                kernel1(
                    TwoTiles.self, tiles: run, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, output: output, accumulate: accumulate, vector: V.self)
            default:
                kernel1(
                    OneTile.self, tiles: run, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights, output: output, accumulate: accumulate, vector: V.self)
            }
            start += size
        }
    }
}
