/// A compile-time tile count for the microkernels: each conforming type stamps out one
/// specialisation whose `if count > k` tests fold away, leaving a straight-line inner loop.
protocol DirectConvolutionTileCount {
    static var count: Int { get }
}

extension DirectConvolution {
    enum OneTile: DirectConvolutionTileCount { static var count: Int { 1 } }
    enum TwoTiles: DirectConvolutionTileCount { static var count: Int { 2 } }
    enum ThreeTiles: DirectConvolutionTileCount { static var count: Int { 3 } }
    enum FourTiles: DirectConvolutionTileCount { static var count: Int { 4 } }
    enum EightTiles: DirectConvolutionTileCount { static var count: Int { 8 } }

    /// Loads one vector (no alignment needed).
    @inline(__always)
    static func load<V: SIMD>(_ pointer: UnsafePointer<V.Scalar>) -> V {
        UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
    }

    /// Writes the first `lanes` scalars of `value` to `pointer`, adding what is there when
    /// `accumulate` (a channel block after the first).
    @inline(__always)
    static func store<V: SIMD>(_ value: V, to pointer: UnsafeMutablePointer<V.Scalar>, lanes: Int, accumulate: Bool)
    where V.Scalar: BinaryFloatingPoint {
        if lanes == V.scalarCount {
            let sum = accumulate ? value + load(UnsafePointer(pointer)) : value
            UnsafeMutableRawPointer(pointer).storeBytes(of: sum, as: V.self)
        } else if accumulate {
            for lane in 0..<lanes { pointer[lane] += value[lane] }
        } else {
            for lane in 0..<lanes { pointer[lane] = value[lane] }
        }
    }

    /// The main microkernel: 4 output channels × 1…3 vector tiles, 12 accumulators.
    ///
    /// For every input channel of the block and every tap it loads one input vector per tile
    /// (contiguous: the band is zero-padded and phase-split), broadcasts one weight of each of the
    /// 4 output channels, and issues `4·tiles` multiply-adds — 3 loads + 4 broadcasts per 12 FMAs
    /// with 3 tiles, which keeps both FMA pipes busy on AVX2 machines (16 vector registers:
    /// 12 accumulators, 3 inputs, 1 broadcast).
    ///
    /// Weights are read in place, OIHW: four streams `weightStride` apart, each advancing one
    /// scalar per tap, so no repacking is needed.
    ///
    /// - Parameters:
    ///   - count: ``OneTile``, ``TwoTiles`` or ``ThreeTiles``: the tiles computed at once.
    ///   - tiles: that many tile descriptors.
    ///   - input: channel 0 of the block in the band; channel `c` starts at `c·channelStride`.
    ///   - taps: `tapCount` offsets (``Plan/tapOffsets``).
    ///   - weights: `w[o0, c0, 0, 0]` for the block's first output channel `o0` and first input
    ///     channel `c0`; output channel `o0 + k` is `k·weightStride` further (`C/G·kH·kW`).
    ///   - output: output channel `o0` at the band's first element; channel `o0 + k` is
    ///     `k·planeSize` further. Only the first `outputChannels` (1…4) are read and written.
    ///   - accumulate: add to the output (a channel block after the first) instead of writing it.
    static func kernel4<V: SIMD, Count: DirectConvolutionTileCount>(
        _ count: Count.Type, tiles: UnsafePointer<Tile>,
        input: UnsafePointer<V.Scalar>, channels: Int, channelStride: Int,
        taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<V.Scalar>, weightStride: Int,
        output: UnsafeMutablePointer<V.Scalar>, planeSize: Int, outputChannels: Int, accumulate: Bool,
        vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        let tileCount = Count.count
        var a00 = V(), a01 = V(), a02 = V()
        var a10 = V(), a11 = V(), a12 = V()
        var a20 = V(), a21 = V(), a22 = V()
        var a30 = V(), a31 = V(), a32 = V()
        var p0 = input + tiles[0].input
        var p1 = tileCount > 1 ? input + tiles[1].input : p0
        var p2 = tileCount > 2 ? input + tiles[2].input : p0
        // Missing channels of a group's last block re-read channel o0 (their sums are dropped).
        var w0 = weights
        var w1 = outputChannels > 1 ? weights + weightStride : weights
        var w2 = outputChannels > 2 ? weights + 2 * weightStride : weights
        var w3 = outputChannels > 3 ? weights + 3 * weightStride : weights
        for _ in 0..<channels {
            for t in 0..<tapCount {
                let offset = taps[t]
                let x0: V = load(p0 + offset)
                let x1: V = tileCount > 1 ? load(p1 + offset) : V()
                let x2: V = tileCount > 2 ? load(p2 + offset) : V()
                var b = V(repeating: w0[t])
                a00 = multiplyAdd(a00, b, x0)
                if tileCount > 1 { a01 = multiplyAdd(a01, b, x1) }
                if tileCount > 2 { a02 = multiplyAdd(a02, b, x2) }
                b = V(repeating: w1[t])
                a10 = multiplyAdd(a10, b, x0)
                if tileCount > 1 { a11 = multiplyAdd(a11, b, x1) }
                if tileCount > 2 { a12 = multiplyAdd(a12, b, x2) }
                b = V(repeating: w2[t])
                a20 = multiplyAdd(a20, b, x0)
                if tileCount > 1 { a21 = multiplyAdd(a21, b, x1) }
                if tileCount > 2 { a22 = multiplyAdd(a22, b, x2) }
                b = V(repeating: w3[t])
                a30 = multiplyAdd(a30, b, x0)
                if tileCount > 1 { a31 = multiplyAdd(a31, b, x1) }
                if tileCount > 2 { a32 = multiplyAdd(a32, b, x2) }
            }
            w0 += tapCount
            w1 += tapCount
            w2 += tapCount
            w3 += tapCount
            p0 += channelStride
            p1 += channelStride
            p2 += channelStride
        }

        @inline(__always)
        func write(_ v0: V, _ v1: V, _ v2: V, channel: Int) {
            let plane = output + channel * planeSize
            store(v0, to: plane + tiles[0].output, lanes: tiles[0].lanes, accumulate: accumulate)
            if tileCount > 1 { store(v1, to: plane + tiles[1].output, lanes: tiles[1].lanes, accumulate: accumulate) }
            if tileCount > 2 { store(v2, to: plane + tiles[2].output, lanes: tiles[2].lanes, accumulate: accumulate) }
        }
        write(a00, a01, a02, channel: 0)
        if outputChannels > 1 { write(a10, a11, a12, channel: 1) }
        if outputChannels > 2 { write(a20, a21, a22, channel: 2) }
        if outputChannels > 3 { write(a30, a31, a32, channel: 3) }
    }

    /// The depthwise microkernel: 1 output channel × 1, 2, 4 or 8 vector tiles.
    ///
    /// Per input channel and tap: one broadcast weight and one input vector per tile, each folded
    /// into its multiply-add (9 loads per 8 FMAs at `tileCount` 8: load-bound, but a group with one
    /// output channel has no weight reuse to exploit). Parameters as ``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:weightStride:output:planeSize:outputChannels:accumulate:vector:)``
    /// for the one output channel.
    static func kernel1<V: SIMD, Count: DirectConvolutionTileCount>(
        _ count: Count.Type, tiles: UnsafePointer<Tile>,
        input: UnsafePointer<V.Scalar>, channels: Int, channelStride: Int,
        taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<V.Scalar>,
        output: UnsafeMutablePointer<V.Scalar>, accumulate: Bool,
        vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        let tileCount = Count.count
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var p0 = input + tiles[0].input
        var p1 = tileCount > 1 ? input + tiles[1].input : p0
        var p2 = tileCount > 2 ? input + tiles[2].input : p0
        var p3 = tileCount > 3 ? input + tiles[3].input : p0
        var p4 = tileCount > 4 ? input + tiles[4].input : p0
        var p5 = tileCount > 5 ? input + tiles[5].input : p0
        var p6 = tileCount > 6 ? input + tiles[6].input : p0
        var p7 = tileCount > 7 ? input + tiles[7].input : p0
        var w = weights
        for _ in 0..<channels {
            for t in 0..<tapCount {
                let offset = taps[t]
                let b = V(repeating: w[t])
                a0 = multiplyAdd(a0, b, load(p0 + offset))
                if tileCount > 1 { a1 = multiplyAdd(a1, b, load(p1 + offset)) }
                if tileCount > 2 {
                    a2 = multiplyAdd(a2, b, load(p2 + offset))
                    a3 = multiplyAdd(a3, b, load(p3 + offset))
                }
                if tileCount > 4 {
                    a4 = multiplyAdd(a4, b, load(p4 + offset))
                    a5 = multiplyAdd(a5, b, load(p5 + offset))
                    a6 = multiplyAdd(a6, b, load(p6 + offset))
                    a7 = multiplyAdd(a7, b, load(p7 + offset))
                }
            }
            w += tapCount
            p0 += channelStride
            p1 += channelStride
            p2 += channelStride
            p3 += channelStride
            p4 += channelStride
            p5 += channelStride
            p6 += channelStride
            p7 += channelStride
        }
        store(a0, to: output + tiles[0].output, lanes: tiles[0].lanes, accumulate: accumulate)
        if tileCount > 1 { store(a1, to: output + tiles[1].output, lanes: tiles[1].lanes, accumulate: accumulate) }
        if tileCount > 2 {
            store(a2, to: output + tiles[2].output, lanes: tiles[2].lanes, accumulate: accumulate)
            store(a3, to: output + tiles[3].output, lanes: tiles[3].lanes, accumulate: accumulate)
        }
        if tileCount > 4 {
            store(a4, to: output + tiles[4].output, lanes: tiles[4].lanes, accumulate: accumulate)
            store(a5, to: output + tiles[5].output, lanes: tiles[5].lanes, accumulate: accumulate)
            store(a6, to: output + tiles[6].output, lanes: tiles[6].lanes, accumulate: accumulate)
            store(a7, to: output + tiles[7].output, lanes: tiles[7].lanes, accumulate: accumulate)
        }
    }
}
