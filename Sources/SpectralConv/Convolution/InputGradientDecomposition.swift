/// The input gradient of a convolution written as stride-1 forward convolutions, one per stride
/// phase: how the direct and FFT paths compute `dL/dx` with their own forward code.
///
/// Along one axis (input n, output Ho, kernel k, stride s, dilation d, padding p before):
///
///     dx[r] = Σ_{i, a : i·s + a·d − p = r} dy[i] · w[a]
///
/// Split the input positions by phase `ρ = (r + p) mod s`, `r = ρ − p + s·m`. Only the taps with
/// `a·d ≡ ρ (mod s)` reach phase ρ: `a_t = a_0 + t·Δ` with `Δ = s / gcd(s, d)`, and for them
/// `i = m − q_t` with `q_t = (a_t·d − ρ)/s = q_0 + t·d'`, `d' = d / gcd(s, d)`. So
///
///     dx_ρ[m] = Σ_t dy[m − q_0 − t·d'] · w[a_t]
///             = Σ_{t'} dy[m − q_0 − (T−1)·d' + t'·d'] · w[a_{T−1−t'}]      (t' = T − 1 − t)
///
/// — a stride-1 cross-correlation of dy with the phase's taps reversed, dilated by `d'`. With
/// `μ = m − m_0` counting the phase's positions inside the input, it reads the window of dy that
/// starts at `σ = m_0 − q_0 − (T−1)·d'`; the parts of the window outside `0..<Ho` become zero
/// padding and, when the window starts or ends inside dy (large padding, dropped remainders), dy is
/// cropped. In channels: the derived kernel is `w'[g·C/G + c, o, t'] = w[g·O/G + o, c, a_{T−1−t'}]`
/// (the kernel transposed per group and reversed), with the same groups.
///
/// With stride 1 there is one phase: the full correlation of dy with the 180°-rotated kernel.
/// Phases with no taps get zeros. The phases partition the input, so every element of dx is written
/// by exactly one phase; the derived convolutions together cost exactly `N·O·(C/G)·Ho·Wo·kH·kW`
/// multiply-adds, like the forward (no multiplications by inserted zeros).
struct InputGradientDecomposition {
    /// One phase along one axis.
    struct AxisPhase: Equatable {
        /// Original kernel taps in the order the derived kernel uses them (reversed phase taps).
        let taps: [Int]
        /// Dilation `d'` of the derived kernel.
        let dilation: Int
        /// dx index of the phase's first position inside the input, and the step between positions (s).
        let firstInput: Int
        let inputStep: Int
        /// Positions of the phase inside the input (outputs of the derived convolution).
        let count: Int
        /// The dy window: elements `cropStart ..< cropStart + cropCount`, zero padding around it.
        let cropStart: Int
        let cropCount: Int
        let padBefore: Int
        let padAfter: Int

        /// Whether the phase contributes nothing (no taps, no positions, or a window outside dy).
        var isEmpty: Bool { taps.isEmpty || count <= 0 || cropCount <= 0 }
    }

    /// The phases of one axis, `ρ = 0 ..< s`.
    static func axisPhases(input n: Int, output outN: Int, kernel k: Int, stride s: Int, dilation d: Int, padBefore p: Int) -> [AxisPhase] {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
        let common = gcd(s, d)
        let step = s / common, reduced = d / common
        return (0..<s).map { rho in
            let phaseTaps = (0..<k).filter { ($0 * d) % s == rho }
            let m0 = -floorDiv(rho - p, s)                 // ⌈(p − ρ)/s⌉
            let m1 = floorDiv(n - 1 + p - rho, s)
            let count = max(0, m1 - m0 + 1)
            guard let a0 = phaseTaps.first, count > 0 else {
                return AxisPhase(taps: [], dilation: reduced, firstInput: rho - p + s * m0, inputStep: s, count: count,
                                 cropStart: 0, cropCount: 0, padBefore: 0, padAfter: 0)
            }
            precondition(phaseTaps.count < 2 || phaseTaps[1] - phaseTaps[0] == step, "phase taps are evenly spaced")
            let tapCount = phaseTaps.count
            let q0 = (a0 * d - rho) / s
            let windowStart = m0 - q0 - (tapCount - 1) * reduced
            let windowEnd = windowStart + count + (tapCount - 1) * reduced
            let cropStart = max(0, windowStart), cropEnd = min(outN, windowEnd)
            return AxisPhase(
                taps: phaseTaps.reversed(), dilation: reduced, firstInput: rho - p + s * m0, inputStep: s, count: count,
                cropStart: cropStart, cropCount: cropEnd - cropStart,
                padBefore: max(0, -windowStart), padAfter: max(0, windowEnd - outN))
        }
    }

    /// One 2-D phase: a row phase and a column phase.
    struct Phase {
        let rows: AxisPhase
        let columns: AxisPhase
        /// The derived forward convolution: input = the cropped dy `[N, O, cropH, cropW]`, weight
        /// `[C, O/G, Th, Tw]`, output `[N, C, countH, countW]`; nil when the phase is empty.
        let geometry: ConvolutionGeometry?
        /// Whether dy is used whole (no cropping needed).
        let usesWholeGradient: Bool
        /// Whether the derived output is dx itself (stride 1 on both axes).
        let writesInputDirectly: Bool
    }

    let phases: [Phase]
    /// Whether some input element belongs to an empty phase (dx must be cleared first).
    let needsClearing: Bool

    init(_ g: ConvolutionGeometry) {
        let rowPhases = Self.axisPhases(input: g.height, output: g.outHeight, kernel: g.kernelHeight, stride: g.stride.height,
                                        dilation: g.dilation.height, padBefore: g.padTop)
        let columnPhases = Self.axisPhases(input: g.width, output: g.outWidth, kernel: g.kernelWidth, stride: g.stride.width,
                                           dilation: g.dilation.width, padBefore: g.padLeft)
        var phases: [Phase] = []
        var clearing = false
        for rows in rowPhases {
            for columns in columnPhases {
                guard !rows.isEmpty, !columns.isEmpty else {
                    if rows.count > 0 && columns.count > 0 { clearing = true }
                    continue
                }
                let inputShape = g.isOneDimensional
                    ? [g.batch, g.outChannels, columns.cropCount]
                    : [g.batch, g.outChannels, rows.cropCount, columns.cropCount]
                let weightShape = g.isOneDimensional
                    ? [g.inChannels, g.outChannelsPerGroup, columns.taps.count]
                    : [g.inChannels, g.outChannelsPerGroup, rows.taps.count, columns.taps.count]
                let options = ConvolutionOptions(
                    stride: 1,
                    padding: .explicit(top: rows.padBefore, bottom: rows.padAfter, left: columns.padBefore, right: columns.padAfter),
                    dilation: SpatialPair(height: rows.dilation, width: columns.dilation), groups: g.groups)
                let geometry: ConvolutionGeometry
                do {
                    geometry = try ConvolutionGeometry(inputShape: inputShape, weightShape: weightShape, options: options)
                } catch {
                    preconditionFailure("derived input-gradient geometry is invalid: \(error)")
                }
                precondition(geometry.outHeight == rows.count && geometry.outWidth == columns.count, "derived output size")
                phases.append(Phase(
                    rows: rows, columns: columns, geometry: geometry,
                    usesWholeGradient: rows.cropStart == 0 && rows.cropCount == g.outHeight
                        && columns.cropStart == 0 && columns.cropCount == g.outWidth,
                    writesInputDirectly: g.stride.height == 1 && g.stride.width == 1
                        && rows.firstInput == 0 && rows.count == g.height && columns.firstInput == 0 && columns.count == g.width))
            }
        }
        self.phases = phases
        self.needsClearing = clearing
    }

    /// Builds the derived kernel of `phase`: `w'[g·C/G + c, o, t'h, t'w] = w[g·O/G + o, c, tapsH[t'h], tapsW[t'w]]`.
    static func fillKernel<T>(_ phase: Phase, weight: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry) {
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        let rowTaps = phase.rows.taps, columnTaps = phase.columns.taps
        let th = rowTaps.count, tw = columnTaps.count
        let kh = g.kernelHeight, kw = g.kernelWidth
        var index = 0
        for channel in 0..<g.inChannels {
            let group = channel / cg, c = channel % cg
            for o in 0..<og {
                let source = weight + ((group * og + o) * cg + c) * kh * kw
                for a in 0..<th {
                    let row = source + rowTaps[a] * kw
                    for b in 0..<tw {
                        out[index] = row[columnTaps[b]]
                        index += 1
                    }
                }
            }
        }
    }

    /// Copies the window of dy the phase reads: `[N·O][cropH][cropW]`.
    static func cropGradient<T>(_ phase: Phase, outputGradient dy: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry) {
        let rows = phase.rows, columns = phase.columns
        let plane = g.outHeight * g.outWidth
        var destination = out
        for map in 0..<(g.batch * g.outChannels) {
            for row in rows.cropStart..<(rows.cropStart + rows.cropCount) {
                destination.update(from: dy + map * plane + row * g.outWidth + columns.cropStart, count: columns.cropCount)
                destination += columns.cropCount
            }
        }
    }

    /// Writes the phase's result `[N, C, countH, countW]` to its positions in dx `[N, C, H, W]`.
    static func scatter<T>(_ phase: Phase, result: UnsafePointer<T>, into dx: UnsafeMutablePointer<T>, geometry g: ConvolutionGeometry, parallelism: Parallelism) {
        let rows = phase.rows, columns = phase.columns
        let resultPlane = rows.count * columns.count, plane = g.height * g.width
        parallelism.forEach(g.batch * g.inChannels) { map in
            let source = result + map * resultPlane
            let target = dx + map * plane + rows.firstInput * g.width + columns.firstInput
            for m in 0..<rows.count {
                let sourceRow = source + m * columns.count
                let targetRow = target + m * rows.inputStep * g.width
                for j in 0..<columns.count { targetRow[j * columns.inputStep] = sourceRow[j] }
            }
        }
    }
}
