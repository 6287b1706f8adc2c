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
    static func fillBand<S>(
        _ band: UnsafeMutablePointer<S>, input: UnsafePointer<S>, channels: Int,
        firstRow: Int, rows: Int, firstColumn: Int, geometry g: ConvolutionGeometry, plan: Plan
    ) where S: BinaryFloatingPoint {
        let sW = g.stride.width
        let phaseWidth = plan.phaseWidth
        // Element m of phase r holds input column m·sW + r − shift.
        let shift = g.padLeft - firstColumn * sW
        for c in 0..<channels {
            let plane = input + c * g.height * g.width
            var destination = band + c * plan.channelStride
            for row in firstRow..<(firstRow + rows) {
                let sourceRow = row - g.padTop
                if sourceRow < 0 || sourceRow >= g.height {
                    destination.update(repeating: 0, count: plan.rowPitch)
                    destination += plan.rowPitch
                    continue
                }
                let source = plane + sourceRow * g.width
                for phase in 0..<sW {
                    // Elements first..<end hold input columns 0..<W: m·sW + phase − shift ∈ [0, W).
                    let first = min(phaseWidth, max(0, ceilingDivision(shift - phase, sW)))
                    let end = min(phaseWidth, max(first, ceilingDivision(g.width + shift - phase, sW)))
                    destination.update(repeating: 0, count: first)
                    var column = first * sW + phase - shift
                    if sW == 1 {
                        (destination + first).update(from: source + column, count: end - first)
                    } else {
                        for m in first..<end {
                            destination[m] = source[column]
                            column += sW
                        }
                    }
                    (destination + end).update(repeating: 0, count: phaseWidth - end)
                    destination += phaseWidth
                }
            }
        }
    }

    /// `⌈a / b⌉` for any sign of `a` and `b > 0`.
    @inline(__always)
    static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }
}
