extension DirectConvolution {
    /// Copies the input one band reads into `band`, zero-padded and split into stride phases
    /// (layout in ``Plan``): for `channels` channels, padded rows `firstRow ..< firstRow + rows`
    /// and, in each phase `r`, the padded columns `firstColumn·sW + m·sW + r` for
    /// `m < phaseWidth`. Cost: one pass over `channels · rows · rowPitch` elements; with stride 1
    /// the inside of a row is a single copy.
    ///
    /// - Parameters:
    ///   - input: the first channel to copy, in image n: `[channels][H][W]`, plane stride `H·W`.
    ///   - firstRow: the band's first padded row, `i0·sH` for its first output row `i0`.
    ///   - firstColumn: the band's first output column `j0`.
    static func fillBand<V: SIMD>(
        _ band: UnsafeMutablePointer<V.Scalar>, input: UnsafePointer<V.Scalar>, channels: Int,
        firstRow: Int, rows: Int, firstColumn: Int, geometry g: ConvolutionGeometry, plan: Plan, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        let sW = g.stride.width
        let phaseWidth = plan.phaseWidth
        // Element m of phase r holds input column m·sW + r − shift.
        let shift = g.padLeft - firstColumn * sW
        // Rows of the band that lie inside the input (the others are all padding).
        let insideRows = max(firstRow, g.padTop)..<max(max(firstRow, g.padTop), min(firstRow + rows, g.padTop + g.height))
        for c in 0..<channels {
            let plane = input + c * g.height * g.width
            let channelBand = band + c * plan.channelStride
            for row in firstRow..<(firstRow + rows) where !insideRows.contains(row) {
                (channelBand + (row - firstRow) * plan.rowPitch).update(repeating: 0, count: plan.rowPitch)
            }
            for phase in 0..<sW {
                // Elements first..<end hold input columns 0..<W: m·sW + phase − shift ∈ [0, W);
                // the same for every row, so computed once per phase.
                let first = min(phaseWidth, max(0, ceilingDivision(shift - phase, sW)))
                let end = min(phaseWidth, max(first, ceilingDivision(g.width + shift - phase, sW)))
                let firstSourceColumn = first * sW + phase - shift
                for row in insideRows {
                    let source = plane + (row - g.padTop) * g.width + firstSourceColumn
                    let destination = channelBand + (row - firstRow) * plan.rowPitch + phase * phaseWidth
                    fill(destination, count: first)
                    if sW == 1 {
                        copy(source, to: destination + first, count: end - first, vector: V.self)
                    } else {
                        for m in first..<end { destination[m] = source[(m - first) * sW] }
                    }
                    fill(destination + end, count: phaseWidth - end)
                }
            }
        }
    }

    /// Copies `count` elements a vector at a time (band rows are short: a `memmove` call per row
    /// costs about as much as the copy).
    @inline(__always)
    static func copy<V: SIMD>(_ source: UnsafePointer<V.Scalar>, to target: UnsafeMutablePointer<V.Scalar>, count: Int, vector: V.Type) {
        var index = 0
        while index + V.scalarCount <= count {
            UnsafeMutableRawPointer(target + index).storeBytes(of: UnsafeRawPointer(source + index).loadUnaligned(as: V.self), as: V.self)
            index += V.scalarCount
        }
        while index < count {
            target[index] = source[index]
            index += 1
        }
    }

    /// Zeroes `count` elements (short runs: a plain loop rather than `memset`).
    @inline(__always)
    static func fill<S: BinaryFloatingPoint>(_ target: UnsafeMutablePointer<S>, count: Int) {
        var index = 0
        while index < count {
            target[index] = 0
            index += 1
        }
    }

    /// `⌈a / b⌉` for any sign of `a` and `b > 0`.
    @inline(__always)
    static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }
}
