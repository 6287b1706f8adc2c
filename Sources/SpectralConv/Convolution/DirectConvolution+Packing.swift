extension DirectConvolution {
    /// Repacks OIHW weights into the order ``kernel4(_:tiles:input:channels:channelStride:taps:tapCount:weights:output:planeSize:outputChannels:accumulate:vector:)``
    /// streams them: `[G][blocks][C/G][kH·kW][4]`, four output channels interleaved per tap, zeros
    /// for the missing channels of a group's last block. Cost `O(O·C/G·kH·kW)`, negligible.
    ///
    /// - Parameter packed: `G · outputChannelBlocks · C/G · kH·kW · 4` elements.
    static func packWeights<S>(_ weight: UnsafePointer<S>, into packed: UnsafeMutablePointer<S>, geometry g: ConvolutionGeometry, plan: Plan)
    where S: BinaryFloatingPoint {
        let og = g.outChannelsPerGroup, cg = g.inChannelsPerGroup
        let taps = g.kernelHeight * g.kernelWidth
        let block = plan.outputChannelBlock
        var destination = packed
        for group in 0..<g.groups {
            for first in stride(from: 0, to: og, by: block) {
                for c in 0..<cg {
                    for t in 0..<taps {
                        for k in 0..<block {
                            let o = first + k
                            destination.pointee = o < og ? weight[((group * og + o) * cg + c) * taps + t] : 0
                            destination += 1
                        }
                    }
                }
            }
        }
    }

    /// Copies the input rows one band reads into `band`, zero-padded and split into stride phases
    /// (layout in ``Plan``): for each of the group's `C/G` channels, padded rows
    /// `firstRow ..< firstRow + rows` (`firstRow = i0·sH` for the band's first output row `i0`).
    /// Cost: one pass over `C/G · rows · rowPitch` elements; with stride 1 the interior of a row is
    /// a single copy.
    ///
    /// - Parameters:
    ///   - input: channel 0 of the group in image n: `[C/G][H][W]` with plane stride `H·W`.
    static func fillBand<S>(
        _ band: UnsafeMutablePointer<S>, input: UnsafePointer<S>, firstRow: Int, rows: Int,
        geometry g: ConvolutionGeometry, plan: Plan
    ) where S: BinaryFloatingPoint {
        let sW = g.stride.width
        let phaseWidth = plan.phaseWidth
        for c in 0..<g.inChannelsPerGroup {
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
                    // Element m holds padded column m·sW + phase = input column m·sW + phase − padLeft.
                    let first = min(phaseWidth, max(0, (g.padLeft - phase + sW - 1) / sW))
                    let end = min(phaseWidth, max(first, (g.padLeft + g.width - phase + sW - 1) / sW))
                    destination.update(repeating: 0, count: first)
                    if sW == 1 {
                        (destination + first).update(from: source + (first - g.padLeft), count: end - first)
                    } else {
                        var column = first * sW + phase - g.padLeft
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
}
