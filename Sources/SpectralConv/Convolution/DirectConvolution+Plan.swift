extension DirectConvolution {
    /// Every size and offset the direct path derives from a geometry before it touches data: the
    /// register-tile shape, the layout of the zero-padded input band, the row bands, the channel
    /// blocks and the tap offset table.
    ///
    /// ## The padded input band
    /// A work item (image n, group g, band of output rows) copies the `C/G` input channels it needs
    /// into scratch, zero-padded, so the microkernel never checks bounds. For each channel the band
    /// holds ``inputRowsPerBand`` padded rows, `(rows − 1)·sH + d_H·(kH − 1) + 1`, each of
    /// ``rowPitch`` = `sW · phaseWidth` elements split into `sW` stride phases:
    ///
    ///     band[c][row][phase][m] = padded input column m·sW + phase   (0 outside the input)
    ///
    /// Output column `j` under tap `b` reads padded column `j·sW + b·dW = (j + q)·sW + r` with
    /// `b·dW = q·sW + r`, i.e. element `j + q` of phase `r`: consecutive output columns read
    /// consecutive elements for any stride, so every input load is one contiguous vector load.
    /// With stride 1 there is one phase and the band is simply the padded rows.
    ///
    /// ## Tiles
    /// Each output row is cut into ``vectorsPerRow`` vector-wide tiles of ``lanes`` columns (the
    /// last one partial when `Wo` is not a multiple of the lane count). The tiles of a band, in
    /// row-major order, are handed to the microkernel ``tilesPerCall`` at a time (a call may span a
    /// row boundary), for ``outputChannelBlock`` output channels at once. A tile's input starts at
    /// ``Tile/input`` within a channel of the band; every tap adds the same ``tapOffsets`` entry to it.
    struct Plan {
        /// Scalars per SIMD vector: 8 for `Float`, 4 for `Double`.
        let lanes: Int
        /// Output channels per register block: 4, or 1 when a group has fewer than 3 output
        /// channels (depthwise), where the 4-wide block would mostly compute zeros.
        let outputChannelBlock: Int
        /// Register blocks per group, `⌈(O/G) / outputChannelBlock⌉`.
        let outputChannelBlocks: Int
        /// Vector tiles per microkernel call: 3 with 4 output channels (12 accumulators), 8 with 1.
        let tilesPerCall: Int
        /// Vector tiles per output row, `⌈Wo / lanes⌉`.
        let vectorsPerRow: Int
        /// Elements per stride phase of a padded row: `vectorsPerRow·lanes + q_max` rounded up to
        /// the lane count, so a full vector load at the last tile under the last tap stays inside.
        let phaseWidth: Int
        /// Elements per padded row, `sW · phaseWidth`.
        let rowPitch: Int
        /// Output rows per band (the last band may be shorter).
        let bandRows: Int
        /// Bands per output plane, `⌈Ho / bandRows⌉`.
        let bandCount: Int
        /// Padded input rows a full band reads, `(bandRows − 1)·sH + d_H·(kH − 1) + 1`.
        let inputRowsPerBand: Int
        /// Elements between consecutive channels of the band, `inputRowsPerBand · rowPitch`.
        let channelStride: Int
        /// Input channels per microkernel pass; a pass after the first adds to the output.
        let channelBlock: Int
        /// The tiles of a full band in row-major order, output offsets counted from the band's
        /// first row; a shorter last band uses a prefix.
        let tiles: [Tile]
        /// For tap `(a, b)` at index `a·kW + b`: `a·dH·rowPitch + r·phaseWidth + q` with `b·dW = q·sW + r`.
        let tapOffsets: [Int]

        /// Scratch elements one band needs: every channel of a group, plus one vector of slack.
        var bandScratchCount: Int { channelStride * channelCount + lanes }
        /// Input channels per group.
        let channelCount: Int

        /// Bytes of padded input one band may occupy: it is re-read once per output-channel block,
        /// so it should stay in the L2 cache (1 MiB per core on the project's Zen 4 machines,
        /// 256 KiB – 2 MiB elsewhere).
        static let bandBudgetBytes = 192 * 1024
        /// Bytes one microkernel call may stream (its input rows and its weights) so that they
        /// stay in a 32 KiB L1 cache while the call runs.
        static let callBudgetBytes = 32 * 1024

        init(geometry g: ConvolutionGeometry, lanes: Int, scalarSize: Int, threads: Int) {
            self.lanes = lanes
            let og = g.outChannelsPerGroup, cg = g.inChannelsPerGroup
            channelCount = cg
            outputChannelBlock = og >= 3 ? 4 : 1
            outputChannelBlocks = (og + outputChannelBlock - 1) / outputChannelBlock
            tilesPerCall = outputChannelBlock == 4 ? 3 : 8

            let sH = g.stride.height, sW = g.stride.width
            let dH = g.dilation.height, dW = g.dilation.width
            vectorsPerRow = (g.outWidth + lanes - 1) / lanes
            let maxShift = (g.kernelWidth - 1) * dW / sW
            phaseWidth = (vectorsPerRow * lanes + maxShift + lanes - 1) / lanes * lanes
            rowPitch = sW * phaseWidth

            // Row bands: as many output rows as keep the band within the L2 budget, but enough
            // bands that every thread gets several work items when N·G is small.
            let rowBytes = cg * rowPitch * scalarSize
            let fitRows = (Self.bandBudgetBytes / max(rowBytes, 1) - g.effectiveKernelHeight) / sH + 1
            let planes = g.batch * g.groups
            let wantedBands = min(g.outHeight, max(1, (4 * threads + planes - 1) / planes))
            let balancedRows = (g.outHeight + wantedBands - 1) / wantedBands
            var rows = max(1, min(g.outHeight, fitRows, balancedRows))
            bandCount = (g.outHeight + rows - 1) / rows
            rows = (g.outHeight + bandCount - 1) / bandCount   // even out the bands
            bandRows = rows
            inputRowsPerBand = (rows - 1) * sH + g.effectiveKernelHeight
            channelStride = inputRowsPerBand * rowPitch

            // Channel blocks: keep one call's input rows and weights within the L1 budget.
            let taps = g.kernelHeight * g.kernelWidth
            let callColumns = min(rowPitch, tilesPerCall * lanes * sW + g.effectiveKernelWidth)
            let bytesPerChannel = (g.kernelHeight * callColumns + taps * outputChannelBlock) * scalarSize
            let fitChannels = max(1, min(cg, Self.callBudgetBytes / bytesPerChannel))
            let channelBlocks = (cg + fitChannels - 1) / fitChannels
            channelBlock = (cg + channelBlocks - 1) / channelBlocks

            var tiles: [Tile] = []
            tiles.reserveCapacity(rows * vectorsPerRow)
            for row in 0..<rows {
                for vector in 0..<vectorsPerRow {
                    let column = vector * lanes
                    tiles.append(Tile(
                        input: row * sH * rowPitch + column, output: row * g.outWidth + column,
                        lanes: min(lanes, g.outWidth - column)))
                }
            }
            self.tiles = tiles

            var offsets: [Int] = []
            offsets.reserveCapacity(taps)
            for a in 0..<g.kernelHeight {
                for b in 0..<g.kernelWidth {
                    let shift = b * dW
                    offsets.append(a * dH * rowPitch + (shift % sW) * phaseWidth + shift / sW)
                }
            }
            tapOffsets = offsets
        }
    }

    /// One vector-wide output tile as the microkernel sees it.
    struct Tile {
        /// Offset of the tile's first input element within one channel of the band (tap (0, 0)).
        var input: Int
        /// Offset of the tile's first output element within one output plane.
        var output: Int
        /// Valid columns, `1...lanes` (fewer only for the last tile of a row).
        var lanes: Int
    }
}
