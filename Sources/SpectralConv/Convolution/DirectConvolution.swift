/// The direct path: the convolution's definition (see ``ReferenceConvolution``) computed with
/// register-blocked SIMD loops over a zero-padded copy of the input.
///
/// Layouts: input NCHW `[N, C, H, W]`, weight OIHW `[O, C/G, kH, kW]`, output NCHW
/// `[N, O, Ho, Wo]`; a 1-D convolution arrives as `H = kH = 1`. No bias (the engine adds it).
///
/// ## Scheme
/// 1. Weights are repacked once per call, four output channels interleaved per tap
///    (``packWeights(_:into:geometry:plan:)``); depthwise-like groups use OIHW as it is.
/// 2. Work items are (image n, group g, band of output rows); they write disjoint output and are
///    spread over the threads. An item copies its group's input rows into a zero-padded,
///    stride-phase-split band (``fillBand(_:input:firstRow:rows:geometry:plan:)``, sized for L2),
///    so the inner loops have no bounds checks and every load is contiguous for any stride.
/// 3. For each block of input channels (sized for L1), each block of 4 output channels and each
///    run of 3 vector tiles (24 `Float` / 12 `Double` output columns), the microkernel
///    (``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:output:planeSize:outputChannels:accumulate:vector:)``)
///    keeps 12 accumulators in registers across all channels and taps, then writes them once.
///
/// Cost: `N·O·(C/G)·Ho·Wo·kH·kW` multiply-adds, plus `⌈Wo/lanes⌉·lanes / Wo` for the partial last
/// vector of each row and, for groups of 1–2 output channels, a load per multiply-add. The band
/// copy is `O(N·C·Hp·Wp)` (a little more where bands overlap). Results do not depend on the
/// thread count: every output element sees the same operations in the same order.
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

    /// The driver for one vector type: plans, packs weights, and runs the work items in parallel.
    static func run<V: SIMD>(
        input: UnsafePointer<V.Scalar>, weight: UnsafePointer<V.Scalar>, output: UnsafeMutablePointer<V.Scalar>,
        geometry g: ConvolutionGeometry, parallelism: Parallelism, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        typealias S = V.Scalar
        let plan = Plan(geometry: g, lanes: V.scalarCount, scalarSize: MemoryLayout<S>.stride, threads: parallelism.threads)
        let taps = g.kernelHeight * g.kernelWidth

        let packedStorage = ScratchBuffer()
        let weights: UnsafePointer<S>
        if plan.outputChannelBlock == 1 {
            weights = weight
        } else {
            let packed = packedStorage.reserve(g.groups * plan.outputChannelBlocks * plan.outputChannelBlock * g.inChannelsPerGroup * taps, of: S.self)
            packWeights(weight, into: packed, geometry: g, plan: plan)
            weights = UnsafePointer(packed)
        }

        let items = g.batch * g.groups * plan.bandCount
        plan.tapOffsets.withUnsafeBufferPointer { tapOffsets in
            let tapOffsets = tapOffsets.baseAddress!
            parallelism.forEachChunk(of: items) { range in
                let scratch = ScratchBuffer()
                let band = scratch.reserve(plan.bandScratchCount, of: S.self)
                // The slack after the last channel is read (by full-vector loads of partial
                // tiles) but never contributes to a written lane; keep it finite anyway.
                (band + plan.bandScratchCount - plan.lanes).update(repeating: 0, count: plan.lanes)
                for item in range {
                    computeItem(
                        item, band: band, input: input, weights: weights, output: output,
                        taps: tapOffsets, geometry: g, plan: plan, vector: V.self)
                }
            }
        }
        withExtendedLifetime(packedStorage) {}
    }

    /// One work item: image n, group g, one band of output rows, every output channel of the group.
    static func computeItem<V: SIMD>(
        _ item: Int, band: UnsafeMutablePointer<V.Scalar>,
        input: UnsafePointer<V.Scalar>, weights: UnsafePointer<V.Scalar>, output: UnsafeMutablePointer<V.Scalar>,
        taps: UnsafePointer<Int>, geometry g: ConvolutionGeometry, plan: Plan, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        let bandIndex = item % plan.bandCount
        let group = (item / plan.bandCount) % g.groups
        let image = item / (plan.bandCount * g.groups)
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let tapCount = g.kernelHeight * g.kernelWidth
        let planeSize = g.outHeight * g.outWidth

        let firstOutputRow = bandIndex * plan.bandRows
        let outputRows = min(plan.bandRows, g.outHeight - firstOutputRow)
        let inputRows = (outputRows - 1) * g.stride.height + g.effectiveKernelHeight
        let groupInput = input + (image * g.inChannels + group * cg) * g.height * g.width
        fillBand(band, input: groupInput, firstRow: firstOutputRow * g.stride.height, rows: inputRows, geometry: g, plan: plan)

        let tileCount = outputRows * plan.vectorsPerRow
        let block = plan.outputChannelBlock
        let groupOutput = output + (image * g.outChannels + group * og) * planeSize
        let groupWeights = weights + group * plan.outputChannelBlocks * block * cg * tapCount

        // The band's tiles in row-major order, `tilesPerCall` at a time (a run may span a row
        // boundary); their output offsets count from the band's first row.
        let bandOutput = groupOutput + firstOutputRow * g.outWidth
        plan.tiles.withUnsafeBufferPointer { tiles in
            let tiles = tiles.baseAddress!
            for firstChannel in stride(from: 0, to: cg, by: plan.channelBlock) {
                let channels = min(plan.channelBlock, cg - firstChannel)
                let channelInput = UnsafePointer(band + firstChannel * plan.channelStride)
                for blockIndex in 0..<plan.outputChannelBlocks {
                    let firstOutput = blockIndex * block
                    let blockWeights = groupWeights + (blockIndex * cg + firstChannel) * tapCount * block
                    let blockOutput = bandOutput + firstOutput * planeSize
                    var first = 0
                    while first < tileCount {
                        let count = min(plan.tilesPerCall, tileCount - first)
                        computeRun(
                            count, tiles: tiles + first, input: channelInput, channels: channels, channelStride: plan.channelStride,
                            taps: taps, tapCount: tapCount, weights: blockWeights,
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
    /// fits: ``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:output:planeSize:outputChannels:accumulate:vector:)``
    /// for 4-channel blocks, ``kernel1(_:tiles:input:channels:channelStride:taps:tapCount:weights:output:accumulate:vector:)``
    /// (in runs of 8, 4, 2, 1 tiles) for single channels.
    @inline(__always)
    static func computeRun<V: SIMD>(
        _ count: Int, tiles: UnsafePointer<Tile>,
        input: UnsafePointer<V.Scalar>, channels: Int, channelStride: Int,
        taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<V.Scalar>,
        output: UnsafeMutablePointer<V.Scalar>, planeSize: Int, outputChannelBlock: Int, outputChannels: Int,
        accumulate: Bool, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        if outputChannelBlock == 4 {
            switch count {
            case 3:
                kernel4(
                    ThreeTiles.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights,
                    output: output, planeSize: planeSize, outputChannels: outputChannels, accumulate: accumulate, vector: V.self)
            case 2:
                kernel4(
                    TwoTiles.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights,
                    output: output, planeSize: planeSize, outputChannels: outputChannels, accumulate: accumulate, vector: V.self)
            default:
                kernel4(
                    OneTile.self, tiles: tiles, input: input, channels: channels, channelStride: channelStride,
                    taps: taps, tapCount: tapCount, weights: weights,
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
