extension DirectConvolution {
    /// Whether ``weightGradient(input:outputGradient:weightGradient:geometry:workspaces:parallelism:)``
    /// handles `g`: stride 1 on both axes (any padding, dilation, groups; 1-D too). Strided
    /// convolutions go through ``WeightGradientDecomposition``.
    static func hasWeightGradientKernel(_ g: ConvolutionGeometry) -> Bool {
        g.stride.height == 1 && g.stride.width == 1
    }

    /// `dw[o, c, a, b] = Σ_{n, i, j} dy[n, o, i, j] · xp[n, g·C/G + c, i + a·dH, j + b·dW]` for a
    /// stride-1 convolution (`xp` = the zero-padded input), vectorised over the **wide** output plane.
    ///
    /// ## Scheme
    /// With stride 1 the padded input row pitch `Wp` and the output satisfy `Wo = Wp − (kW−1)·dW`.
    /// Writing dy on a grid of pitch `Wp` — `dyw[n, o, i·Wp + j] = dy[n, o, i, j]` for `j < Wo`, zero
    /// for the other `Wp − Wo` columns and up to the next multiple of the lane count — turns every
    /// tap into one contiguous dot product over the flattened plane:
    ///
    ///     dw[o, c, a, b] = Σ_n Σ_p dyw[n, o, p] · xp[n, c, p + a·dH·Wp + b·dW]
    ///
    /// (the zero columns cancel the reads that wrap into the next row). A work unit — input channel
    /// `c`, kernel row `a`, three kernel columns, four output channels — keeps 12 vector
    /// accumulators: per vector `p` it loads 4 dy vectors and 3 shifted x vectors for 12 multiply-adds.
    /// Images are the outer loop, in passes of as many images as fit ``gradientPassBytes`` (their
    /// dy and x planes stay in L2 while every unit of a thread runs over them), so each unit's 12
    /// accumulators live in a partial-sum buffer between passes; at the end each accumulator's lanes
    /// are summed into one weight-gradient element.
    ///
    /// Copies: dy once into the wide layout; x only when there is padding (into a zero-padded copy),
    /// otherwise x is read in place and only the last image is copied (reads run up to
    /// `lanes + (kW−1)·dW` elements past a plane; for earlier planes that is the next plane, always
    /// multiplied by dy's zero columns).
    ///
    /// Cost: `N·O·(C/G)·kH·kW·Ho·Wp` multiply-adds (`Wp/Wo` times the useful work, rounded to whole
    /// vectors per plane, and up to 4/3 more for kernel widths that are not a multiple of 3), plus one
    /// pass over dy (and over x with padding). Results do not depend on the thread count: units are
    /// split between threads, and every unit sums images, vectors and lanes in the same order.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]` (1-D: `H = 1`).
    ///   - outputGradient: `[N, O, Ho, Wo]`.
    ///   - weightGradient: `[O, C/G, kH, kW]`, overwritten.
    ///   - workspaces: three scratch buffers (wide dy, padded x or last image, partial sums).
    static func weightGradient<S: TensorScalar>(
        input: UnsafePointer<S>, outputGradient: UnsafePointer<S>, weightGradient: UnsafeMutablePointer<S>,
        geometry g: ConvolutionGeometry, workspaces: [ScratchBuffer], parallelism: Parallelism
    ) {
        switch S.precision {
        case .single:
            input.withMemoryRebound(to: Float.self, capacity: 1) { x in
                outputGradient.withMemoryRebound(to: Float.self, capacity: 1) { dy in
                    weightGradient.withMemoryRebound(to: Float.self, capacity: 1) { dw in
                        weightGradientKernel(x, dy, dw, g, workspaces, parallelism, vector: SIMD8<Float>.self)
                    }
                }
            }
        case .double:
            input.withMemoryRebound(to: Double.self, capacity: 1) { x in
                outputGradient.withMemoryRebound(to: Double.self, capacity: 1) { dy in
                    weightGradient.withMemoryRebound(to: Double.self, capacity: 1) { dw in
                        weightGradientKernel(x, dy, dw, g, workspaces, parallelism, vector: SIMD4<Double>.self)
                    }
                }
            }
        }
    }

    /// Copies `count` elements and zero-fills up to `width`, a vector at a time (rows are short: a
    /// `memmove` call per row costs more than the copy).
    @inline(__always)
    static func copyRow<V: SIMD>(
        from source: UnsafePointer<V.Scalar>, count: Int, to target: UnsafeMutablePointer<V.Scalar>, paddedTo width: Int, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        let lanes = V.scalarCount
        var index = 0
        while index + lanes <= count {
            UnsafeMutableRawPointer(target + index).storeBytes(of: load(source + index) as V, as: V.self)
            index += lanes
        }
        while index < count {
            target[index] = source[index]
            index += 1
        }
        while index < width {
            target[index] = 0
            index += 1
        }
    }

    /// Output channels and kernel columns per work unit (12 accumulators).
    static let gradientOutputBlock = 4
    static let gradientColumnBlock = 3
    /// Bytes of x and dy planes one pass over images may touch (about a quarter of an L2 cache).
    static let gradientPassBytes = 256 * 1024

    static func weightGradientKernel<V: SIMD>(
        _ x: UnsafePointer<V.Scalar>, _ dy: UnsafePointer<V.Scalar>, _ dw: UnsafeMutablePointer<V.Scalar>,
        _ g: ConvolutionGeometry, _ workspaces: [ScratchBuffer], _ parallelism: Parallelism, vector: V.Type
    ) where V.Scalar: BinaryFloatingPoint {
        typealias S = V.Scalar
        let lanes = V.scalarCount
        let (dH, dW) = (g.dilation.height, g.dilation.width)
        let (kH, kW) = (g.kernelHeight, g.kernelWidth)
        let hp = g.height + g.padTop + g.padBottom, wp = g.width + g.padLeft + g.padRight
        let (ho, wo) = (g.outHeight, g.outWidth)
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let vectors = (ho * wp + lanes - 1) / lanes
        let dyPlane = vectors * lanes            // wide dy plane, padded to whole vectors
        let xPlane = hp * wp
        let slack = lanes + (kW - 1) * dW + gradientColumnBlock * dW

        // dy in the wide layout.
        let wide = workspaces[0].reserve(g.batch * g.outChannels * dyPlane, of: S.self)
        parallelism.forEach(g.batch * g.outChannels) { map in
            let source = dy + map * ho * wo, target = wide + map * dyPlane
            for i in 0..<ho { copyRow(from: source + i * wo, count: wo, to: target + i * wp, paddedTo: wp, vector: V.self) }
            (target + ho * wp).update(repeating: 0, count: dyPlane - ho * wp)
        }

        // x: padded copy, or in place with a copy of the last image (reads run past each plane).
        let padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0
        let copiedImages = padded ? g.batch : 1
        let copy = workspaces[1].reserve(copiedImages * g.inChannels * xPlane + slack, of: S.self)
        let firstCopied = g.batch - copiedImages
        (padded ? parallelism : Parallelism(threads: 1)).forEach(copiedImages * g.inChannels) { map in
            let target = copy + map * xPlane
            let source = x + (firstCopied * g.inChannels + map) * g.height * g.width
            guard padded else {
                target.update(from: source, count: xPlane)
                return
            }
            target.update(repeating: 0, count: g.padTop * wp)
            for row in 0..<g.height {
                let line = target + (g.padTop + row) * wp
                line.update(repeating: 0, count: g.padLeft)
                (line + g.padLeft).update(from: source + row * g.width, count: g.width)
                (line + g.padLeft + g.width).update(repeating: 0, count: g.padRight)
            }
            (target + (g.padTop + g.height) * wp).update(repeating: 0, count: g.padBottom * wp)
        }
        (copy + copiedImages * g.inChannels * xPlane).update(repeating: 0, count: slack)
        func plane(image n: Int, channel c: Int) -> UnsafePointer<S> {
            n >= firstCopied ? UnsafePointer(copy + ((n - firstCopied) * g.inChannels + c) * xPlane) : x + (n * g.inChannels + c) * xPlane
        }

        // Units: (group, input channel, kernel row, column block, output block).
        let columnBlocks = (kW + gradientColumnBlock - 1) / gradientColumnBlock
        let outputBlocks = (og + gradientOutputBlock - 1) / gradientOutputBlock
        let unitsPerGroup = cg * kH * columnBlocks * outputBlocks
        let units = g.groups * unitsPerGroup
        let accumulators = gradientOutputBlock * gradientColumnBlock
        let partials = workspaces[2].reserve(units * accumulators, of: V.self)

        // Images per pass: their x and dy planes (~`imageBytes` each) stay in L2 while every unit of
        // the thread runs over them; a unit loads and stores its accumulators once per pass.
        let imageBytes = (g.inChannels * xPlane + g.outChannels * dyPlane) * MemoryLayout<S>.stride
        let imagesPerPass = max(1, min(g.batch, Self.gradientPassBytes / max(imageBytes, 1)))
        parallelism.forEachPartition(of: units) { _, range in
            for firstImage in stride(from: 0, to: g.batch, by: imagesPerPass) {
                for unit in range {
                    let u = GradientUnit(unit, geometry: g, columnBlocks: columnBlocks, outputBlocks: outputBlocks)
                    let tapOffset = u.kernelRow * dH * wp + u.firstColumn * dW
                    let endImage = min(firstImage + imagesPerPass, g.batch)
                    // Images read in place, then copied ones (consecutive images are C planes apart in both).
                    let split = min(max(firstImage, firstCopied), endImage)
                    for (start, end) in [(firstImage, split), (split, endImage)] where start < end {
                        gradientUnit(
                            x: plane(image: start, channel: u.group * cg + u.channel) + tapOffset, xImageStride: g.inChannels * xPlane,
                            columnStep: dW, dy: UnsafePointer(wide + (start * g.outChannels + u.firstOutput) * dyPlane),
                            dyChannelStride: dyPlane, dyImageStride: g.outChannels * dyPlane, images: end - start,
                            outputs: u.outputs, vectors: vectors, accumulators: partials + unit * accumulators, first: start == 0)
                    }
                }
            }
            // Sum each accumulator's lanes into its weight-gradient element.
            for unit in range {
                let u = GradientUnit(unit, geometry: g, columnBlocks: columnBlocks, outputBlocks: outputBlocks)
                for k in 0..<u.outputs {
                    for m in 0..<u.columns {
                        dw[(((u.firstOutput + k) * cg + u.channel) * kH + u.kernelRow) * kW + u.firstColumn + m] =
                            partials[unit * accumulators + k * gradientColumnBlock + m].sum()
                    }
                }
            }
        }
    }

    /// A work unit of the weight-gradient kernel, decoded from its index
    /// `unit = (((group·C/G + channel)·kH + kernelRow)·columnBlocks + columnBlock)·outputBlocks + outputBlock`:
    /// up to ``gradientOutputBlock`` output channels from `firstOutput` and up to
    /// ``gradientColumnBlock`` kernel columns from `firstColumn`, of one input channel and kernel row.
    struct GradientUnit {
        let group: Int
        /// The input channel within the group.
        let channel: Int
        let kernelRow: Int
        let firstColumn: Int
        let columns: Int
        let firstOutput: Int
        let outputs: Int

        @inline(__always)
        init(_ unit: Int, geometry g: ConvolutionGeometry, columnBlocks: Int, outputBlocks: Int) {
            var rest = unit
            let outputBlock = rest % outputBlocks
            rest /= outputBlocks
            let columnBlock = rest % columnBlocks
            rest /= columnBlocks
            kernelRow = rest % g.kernelHeight
            rest /= g.kernelHeight
            channel = rest % g.inChannelsPerGroup
            group = rest / g.inChannelsPerGroup
            let og = g.outChannelsPerGroup
            firstOutput = group * og + outputBlock * DirectConvolution.gradientOutputBlock
            outputs = min(DirectConvolution.gradientOutputBlock, og - outputBlock * DirectConvolution.gradientOutputBlock)
            firstColumn = columnBlock * DirectConvolution.gradientColumnBlock
            columns = min(DirectConvolution.gradientColumnBlock, g.kernelWidth - firstColumn)
        }
    }

    /// One unit over `images` consecutive images: 4 output channels × 3 kernel columns,
    /// `acc[k·3 + m] += dy_k · x(· + m·dW)` over `vectors` vectors per image, starting from zero
    /// (`first`) or from the stored partial sums. Missing output channels of a last block re-read
    /// channel 0 (their sums are never used).
    @inline(__always)
    static func gradientUnit<V: SIMD>(
        x: UnsafePointer<V.Scalar>, xImageStride: Int, columnStep: Int,
        dy: UnsafePointer<V.Scalar>, dyChannelStride: Int, dyImageStride: Int, images: Int, outputs: Int,
        vectors: Int, accumulators: UnsafeMutablePointer<V>, first: Bool
    ) where V.Scalar: BinaryFloatingPoint {
        var a00 = V(), a01 = V(), a02 = V(), a10 = V(), a11 = V(), a12 = V()
        var a20 = V(), a21 = V(), a22 = V(), a30 = V(), a31 = V(), a32 = V()
        if !first {
            (a00, a01, a02) = (accumulators[0], accumulators[1], accumulators[2])
            (a10, a11, a12) = (accumulators[3], accumulators[4], accumulators[5])
            (a20, a21, a22) = (accumulators[6], accumulators[7], accumulators[8])
            (a30, a31, a32) = (accumulators[9], accumulators[10], accumulators[11])
        }
        let lanes = V.scalarCount
        for image in 0..<images {
            let d0 = dy + image * dyImageStride
            let d1 = outputs > 1 ? d0 + dyChannelStride : d0
            let d2 = outputs > 2 ? d0 + 2 * dyChannelStride : d0
            let d3 = outputs > 3 ? d0 + 3 * dyChannelStride : d0
            let x0 = x + image * xImageStride, x1 = x0 + columnStep, x2 = x0 + 2 * columnStep
            for v in 0..<vectors {
                let p = v * lanes
                let u0: V = load(x0 + p), u1: V = load(x1 + p), u2: V = load(x2 + p)
                var d: V = load(d0 + p)
                a00 = multiplyAdd(a00, d, u0)
                a01 = multiplyAdd(a01, d, u1)
                a02 = multiplyAdd(a02, d, u2)
                d = load(d1 + p)
                a10 = multiplyAdd(a10, d, u0)
                a11 = multiplyAdd(a11, d, u1)
                a12 = multiplyAdd(a12, d, u2)
                d = load(d2 + p)
                a20 = multiplyAdd(a20, d, u0)
                a21 = multiplyAdd(a21, d, u1)
                a22 = multiplyAdd(a22, d, u2)
                d = load(d3 + p)
                a30 = multiplyAdd(a30, d, u0)
                a31 = multiplyAdd(a31, d, u1)
                a32 = multiplyAdd(a32, d, u2)
            }
        }
        (accumulators[0], accumulators[1], accumulators[2]) = (a00, a01, a02)
        (accumulators[3], accumulators[4], accumulators[5]) = (a10, a11, a12)
        (accumulators[6], accumulators[7], accumulators[8]) = (a20, a21, a22)
        (accumulators[9], accumulators[10], accumulators[11]) = (a30, a31, a32)
    }
}
