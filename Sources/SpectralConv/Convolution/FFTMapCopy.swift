/// The copies between tensors and the FFT path's transform buffers, where padding, dilation,
/// stride phases and tiles are applied. Every map occupies `T = TH·TW` contiguous scalars of the
/// real buffer, row-major, maps ``FFTConvolutionLayout/realDistance`` apart.
///
/// Map numbering (see ``FFTConvolutionLayout``):
/// - kernel map `o·(C/G·P) + c·P + p·sW + q` holds phase `(p, q)` of the dilated kernel `w[o, c]`;
/// - input map `b·C·P + c·P + p·sW + q` holds phase `(p, q)` of tile `b = (n·tilesHigh + ti)·tilesWide + tj`
///   of the padded channel `c` of image `n`;
/// - output map `b·O + o` holds tile `b` of output channel `o`.
enum FFTMapCopy {
    /// Spreads every kernel onto its dilated support, splits it into stride phases, zero-pads each
    /// phase to T points and scales by `1/T` (folding in the inverse transform's normalisation).
    /// Only the first `rows` rows of each map are written (the pruned kernel transform reads no more).
    /// `kernels` indexes `w[o, c]` as `o·C/G + c`; kernel `k` fills maps `(k − first)·P ..< (k − first + 1)·P`
    /// of `real`, `first = kernels.lowerBound` (a chunk-local buffer).
    static func fillKernels<S: TensorScalar>(
        _ kernels: Range<Int>, weight: UnsafePointer<S>, into real: UnsafeMutablePointer<S>, rows: Int, layout: FFTConvolutionLayout
    ) {
        let g = layout.geometry
        let points = layout.realDistance
        let width = layout.transformWidth
        let sh = g.stride.height, sw = g.stride.width
        let phases = layout.phases
        let taps = g.kernelHeight * g.kernelWidth
        let scale = 1 / S(layout.points)
        do {
            for kernel in kernels {
                let maps = real + (kernel - kernels.lowerBound) * phases * points
                for phase in 0..<phases { (maps + phase * points).initialize(repeating: 0, count: rows * width) }
                let source = weight + kernel * taps
                for a in 0..<g.kernelHeight {
                    let row = a * g.dilation.height
                    let (phaseRow, p) = row.quotientAndRemainder(dividingBy: sh)
                    for b in 0..<g.kernelWidth {
                        let column = b * g.dilation.width
                        let (phaseColumn, q) = column.quotientAndRemainder(dividingBy: sw)
                        maps[(p * sw + q) * points + phaseRow * width + phaseColumn] = source[a * g.kernelWidth + b] * scale
                    }
                }
            }
        }
    }

    /// Zeroes spectrum rows `first..<TH` of `maps` half spectra (`[TH][TW/2+1]` complex each) — the
    /// rows the pruned kernel transform's row pass does not write.
    static func clearSpectrumRows<S: TensorScalar>(
        from first: Int, of spectra: UnsafeMutablePointer<S>, maps: Range<Int>, layout: FFTConvolutionLayout
    ) {
        let rowScalars = 2 * (layout.transformWidth / 2 + 1)
        let distance = 2 * layout.complexDistance
        let count = (layout.transformHeight - first) * rowScalars
        for map in maps { (spectra + map * distance + first * rowScalars).initialize(repeating: 0, count: count) }
    }

    /// Copies every (tile, channel, phase) of the zero-padded input into its T-point map.
    /// `planes` indexes (batch item, channel) as `b·C + c`; plane `i` fills maps
    /// `(i − first)·P ..< (i − first + 1)·P` of `real`, `first = planes.lowerBound` (a chunk-local buffer).
    static func fillInputs<S: TensorScalar>(
        _ planes: Range<Int>, input: UnsafePointer<S>, into real: UnsafeMutablePointer<S>, layout: FFTConvolutionLayout
    ) {
        let g = layout.geometry
        let th = layout.transformHeight, tw = layout.transformWidth
        let points = layout.realDistance
        let sh = g.stride.height, sw = g.stride.width
        let phases = layout.phases
        do {
            for plane in planes {
                let (item, channel) = plane.quotientAndRemainder(dividingBy: g.inChannels)
                let (image, tileRow, tileColumn) = layout.tile(of: item)
                let source = input + (image * g.inChannels + channel) * g.height * g.width
                for phase in 0..<phases {
                    let (p, q) = phase.quotientAndRemainder(dividingBy: sw)
                    let map = real + ((plane - planes.lowerBound) * phases + phase) * points
                    // Input column of map column s: base + s·sW; valid while 0 ≤ it < W.
                    let base = tileColumn * layout.outputTileWidth * sw + q - g.padLeft
                    let first = min(tw, max(0, ceilDivide(-base, sw)))
                    let end = max(first, min(tw, ceilDivide(g.width - base, sw)))
                    for r in 0..<th {
                        let row = (tileRow * layout.outputTileHeight + r) * sh + p - g.padTop
                        let target = map + r * tw
                        guard row >= 0 && row < g.height && first < end else {
                            target.initialize(repeating: 0, count: tw)
                            continue
                        }
                        target.initialize(repeating: 0, count: first)
                        let sourceRow = source + row * g.width + base
                        if sw == 1 {
                            (target + first).initialize(from: sourceRow + first, count: end - first)
                        } else {
                            for s in first..<end { target[s] = sourceRow[s * sw] }
                        }
                        (target + end).initialize(repeating: 0, count: tw - end)
                    }
                }
            }
        }
    }

    /// Copies the valid `(T − kP + 1)` outputs of every output map's tile into `[N, O, Ho, Wo]`.
    /// `maps` indexes output maps `b·O + o`; map `m` is read at `(m − maps.lowerBound)` in `real`
    /// (a chunk-local buffer).
    static func extractOutputs<S: TensorScalar>(
        _ maps: Range<Int>, from real: UnsafePointer<S>, into output: UnsafeMutablePointer<S>, layout: FFTConvolutionLayout
    ) {
        let g = layout.geometry
        let tw = layout.transformWidth
        do {
            for map in maps {
                let (item, channel) = map.quotientAndRemainder(dividingBy: g.outChannels)
                let (image, tileRow, tileColumn) = layout.tile(of: item)
                let top = tileRow * layout.outputTileHeight, left = tileColumn * layout.outputTileWidth
                let rows = min(layout.outputTileHeight, g.outHeight - top)
                let columns = min(layout.outputTileWidth, g.outWidth - left)
                let source = real + (map - maps.lowerBound) * layout.realDistance
                let target = output + ((image * g.outChannels + channel) * g.outHeight + top) * g.outWidth + left
                for i in 0..<rows {
                    (target + i * g.outWidth).update(from: source + i * tw, count: columns)
                }
            }
        }
    }
}

/// `ceil(a / b)` for any sign of `a` and positive `b`.
@inline(__always)
func ceilDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? (a + b - 1) / b : -((-a) / b)
}
