extension DirectConvolution {
    /// Every size and offset the direct path derives from a geometry before it touches data: the
    /// register-tile shape, the blocking (channel blocks, row and column bands, output-channel
    /// chunks), the layout of the zero-padded input band, the tap offsets and the tile list.
    ///
    /// ## The padded input band
    /// A work item (output-channel chunk, image n, group g, row band, column band) copies, one
    /// channel block at a time, the input it needs into scratch, zero-padded, so the microkernel
    /// never checks bounds. For each channel the band holds ``inputRowsPerBand`` padded rows,
    /// `(rows − 1)·sH + d_H·(kH − 1) + 1`, each of ``rowPitch`` = `sW · phaseWidth` elements
    /// split into `sW` stride phases:
    ///
    ///     band[c][row][phase][m] = padded input column (j0 + m)·sW + phase   (0 outside the input)
    ///
    /// for a band starting at output column `j0`. Output column `j0 + j` under tap `b` reads padded
    /// column `(j0 + j)·sW + b·dW = (j0 + j + q)·sW + r` with `b·dW = q·sW + r`, i.e. element `j + q`
    /// of phase `r`: consecutive output columns read consecutive elements for any stride, so every
    /// input load is one contiguous vector load. With stride 1 there is one phase and the band is
    /// simply the padded rows.
    ///
    /// ## Tiles
    /// Each band row is cut into vector-wide tiles of ``lanes`` output columns (the last one
    /// partial when the output width is not a multiple of the lane count). The tiles of a band, in
    /// row-major order, go to the microkernel three at a time (a run may span a row boundary), for
    /// ``outputChannelBlock`` output channels at once. A tile's input starts at ``Tile/input``
    /// within a channel of the band; every tap adds the same ``tapOffsets`` entry to it.
    ///
    /// ## Cache blocking
    /// - A channel block is sized so one microkernel call's input rows and weights stay in L1
    ///   (``callBudgetBytes``); each block after the first adds to the output.
    /// - A band (of one channel block) is sized to stay in L2 (``bandBudgetBytes``): it is re-read
    ///   once per block of 4 output channels. Rows are added until the budget is reached; only
    ///   when a single output row does not fit are the columns split too (long 1-D signals).
    /// - Threads get output-channel chunks when there are too few (image, group, band) items —
    ///   each chunk streams only its share of the weights — and smaller row bands after that.
    struct Plan {
        /// Scalars per SIMD vector: 8 for `Float`, 4 for `Double`.
        let lanes: Int
        /// Output channels per register block: 4, or 1 when a group has fewer than 3 output
        /// channels (depthwise), where the 4-wide block would mostly compute zeros.
        let outputChannelBlock: Int
        /// Register blocks per group, `⌈(O/G) / outputChannelBlock⌉`.
        let outputChannelBlocks: Int
        /// Most vector tiles per microkernel call: 3 with 4 output channels (12 accumulators),
        /// 8 with 1.
        let tilesPerCall: Int
        /// Input channels per pass over the band; a pass after the first adds to the output.
        let channelBlock: Int
        /// Output columns per column band: a multiple of ``lanes`` (or all of them).
        let bandColumns: Int
        /// Column bands per output row, `⌈Wo / bandColumns⌉` (1 unless a row is very long).
        let columnBandCount: Int
        /// Elements per stride phase of a padded band row: the band's vector columns plus the
        /// widest tap shift `q_max`, rounded up to the lane count, so a full vector load at the
        /// last tile under the last tap stays inside the row.
        let phaseWidth: Int
        /// Elements per padded band row, `sW · phaseWidth`.
        let rowPitch: Int
        /// Output rows per row band (the last band may be shorter).
        let bandRows: Int
        /// Row bands per output plane, `⌈Ho / bandRows⌉`.
        let rowBandCount: Int
        /// Padded input rows a full row band reads, `(bandRows − 1)·sH + d_H·(kH − 1) + 1`.
        let inputRowsPerBand: Int
        /// Elements between consecutive channels of the band, `inputRowsPerBand · rowPitch`.
        let channelStride: Int
        /// Output-channel chunks per (image, group, band), for parallelism.
        let outputChannelChunks: Int
        /// Register blocks per output-channel chunk (the last chunk may have fewer).
        let blocksPerChunk: Int
        /// For tap `(a, b)` at index `a·kW + b`: `a·dH·rowPitch + r·phaseWidth + q` with `b·dW = q·sW + r`.
        let tapOffsets: [Int]
        /// The tiles of a full band (``bandRows`` rows) in row-major order, output offsets
        /// counted from the band's first element; a shorter last row band uses a prefix.
        let tiles: [Tile]
        /// The same for the last column band, which may be narrower and end in a partial tile.
        let lastColumnTiles: [Tile]

        /// Work items: output-channel chunks × images × groups × row bands × column bands.
        var itemCount: Int { outputChannelChunks * imageGroups * rowBandCount * columnBandCount }
        /// Scratch elements one band needs: one channel block. Every load stays inside it: the
        /// last tap of the last tile reads element `phaseWidth − 1` of the band's last row at most.
        var bandScratchCount: Int { channelStride * channelBlock }
        private let imageGroups: Int

        /// Bytes of padded input one band of one channel block may occupy: it is re-read once per
        /// block of output channels, so it should stay in L2 (1 MiB per core on Zen 4,
        /// 256 KiB – 2 MiB elsewhere).
        static let bandBudgetBytes = 192 * 1024
        /// Bytes one microkernel call may stream (its input rows and weights), about an L1 cache.
        static let callBudgetBytes = 32 * 1024
        /// Work items wanted per thread, so uneven items still balance.
        static let itemsPerThread = 4

        init(geometry g: ConvolutionGeometry, lanes: Int, scalarSize: Int, threads: Int) {
            self.lanes = lanes
            let og = g.outChannelsPerGroup, cg = g.inChannelsPerGroup
            let sH = g.stride.height, sW = g.stride.width
            let dH = g.dilation.height, dW = g.dilation.width
            let taps = g.kernelHeight * g.kernelWidth
            outputChannelBlock = og >= 3 ? 4 : 1
            outputChannelBlocks = (og + outputChannelBlock - 1) / outputChannelBlock
            tilesPerCall = outputChannelBlock == 4 ? 3 : 8
            let maxShift = (g.kernelWidth - 1) * dW / sW
            let vectors = (g.outWidth + lanes - 1) / lanes

            // Channel blocks: one call's input rows and weights within the L1 budget.
            let callColumns = min(sW * (vectors * lanes + maxShift), tilesPerCall * lanes * sW + g.effectiveKernelWidth)
            let bytesPerChannel = (g.kernelHeight * callColumns + taps * outputChannelBlock) * scalarSize
            let fitChannels = max(1, min(cg, Self.callBudgetBytes / bytesPerChannel))
            let channelBlocks = (cg + fitChannels - 1) / fitChannels
            channelBlock = (cg + channelBlocks - 1) / channelBlocks

            // Column bands: the whole row unless one band row of the kernel's height overflows L2.
            func pitch(vectors: Int) -> Int { sW * ((vectors * lanes + maxShift + lanes - 1) / lanes * lanes) }
            let budgetElements = Self.bandBudgetBytes / scalarSize
            var bandVectors = vectors
            if channelBlock * g.effectiveKernelHeight * pitch(vectors: vectors) > budgetElements {
                let fitPitch = budgetElements / (channelBlock * g.effectiveKernelHeight)
                bandVectors = min(vectors, max(tilesPerCall, (fitPitch / sW - maxShift) / lanes))
            }
            bandColumns = bandVectors * lanes
            columnBandCount = (vectors + bandVectors - 1) / bandVectors
            rowPitch = pitch(vectors: bandVectors)
            phaseWidth = rowPitch / sW

            // Row bands: as many output rows as the L2 budget allows.
            let fitRows = max(1, (budgetElements / (channelBlock * rowPitch) - g.effectiveKernelHeight) / sH + 1)
            var rows = min(g.outHeight, fitRows)

            // Parallel work: output-channel chunks first (each streams only its share of the
            // weights), then narrower row bands (each re-reads all of the group's weights).
            imageGroups = g.batch * g.groups
            let wanted = Self.itemsPerThread * threads
            var items = imageGroups * columnBandCount * ((g.outHeight + rows - 1) / rows)
            let chunks = threads == 1 ? 1 : min(outputChannelBlocks, max(1, (wanted + items - 1) / items))
            blocksPerChunk = (outputChannelBlocks + chunks - 1) / chunks
            outputChannelChunks = (outputChannelBlocks + blocksPerChunk - 1) / blocksPerChunk
            items *= outputChannelChunks
            if items < wanted && threads > 1 {
                let itemsPerBand = imageGroups * columnBandCount * outputChannelChunks
                let bands = min(g.outHeight, (wanted + itemsPerBand - 1) / itemsPerBand)
                rows = min(rows, (g.outHeight + bands - 1) / bands)
            }
            rowBandCount = (g.outHeight + rows - 1) / rows
            rows = (g.outHeight + rowBandCount - 1) / rowBandCount   // even out the bands
            bandRows = rows
            inputRowsPerBand = (rows - 1) * sH + g.effectiveKernelHeight
            channelStride = inputRowsPerBand * rowPitch

            var offsets: [Int] = []
            offsets.reserveCapacity(taps)
            for a in 0..<g.kernelHeight {
                for b in 0..<g.kernelWidth {
                    let shift = b * dW
                    offsets.append(a * dH * rowPitch + (shift % sW) * phaseWidth + shift / sW)
                }
            }
            tapOffsets = offsets

            let pitch = rowPitch
            tiles = Self.bandTiles(rows: rows, columns: min(bandColumns, g.outWidth), lanes: lanes, inputRowStep: sH * pitch, outputWidth: g.outWidth)
            lastColumnTiles = Self.bandTiles(
                rows: rows, columns: g.outWidth - (columnBandCount - 1) * bandColumns, lanes: lanes, inputRowStep: sH * pitch, outputWidth: g.outWidth)
        }

        /// The tiles of a band of `rows` output rows and `columns` output columns, row-major.
        private static func bandTiles(rows: Int, columns: Int, lanes: Int, inputRowStep: Int, outputWidth: Int) -> [Tile] {
            let perRow = (columns + lanes - 1) / lanes
            var tiles: [Tile] = []
            tiles.reserveCapacity(rows * perRow)
            for row in 0..<rows {
                for vector in 0..<perRow {
                    let column = vector * lanes
                    tiles.append(Tile(input: row * inputRowStep + column, output: row * outputWidth + column, lanes: min(lanes, columns - column)))
                }
            }
            return tiles
        }
    }

    /// One vector-wide output tile as the microkernel sees it.
    struct Tile {
        /// Offset of the tile's first input element within one channel of the band (tap (0, 0)).
        var input: Int
        /// Offset of the tile's first output element from the band's first output element.
        var output: Int
        /// Valid columns, `1...lanes` (fewer only for the last tile of a row).
        var lanes: Int
    }
}
