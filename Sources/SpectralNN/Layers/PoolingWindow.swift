import SpectralConv

/// The window of a 2-D pooling layer and its sizes, resolved with ``ConvolutionGeometry``'s formulas
/// (`out = floor((n + pB + pA − k) / s) + 1`, and TensorFlow's split for `same`) — the pooling layers
/// share the convolution's size arithmetic rather than repeating it.
struct PoolingWindow: Sendable, Equatable {
    let size: SpatialPair
    let stride: SpatialPair
    let padding: Padding

    /// Checks the hyper-parameters: size and stride ≥ 1; explicit padding at most half the window on
    /// each side (PyTorch's rule, which keeps every window overlapping the input); `full` is refused.
    init(layer: String, size: SpatialPair, stride: SpatialPair?, padding: Padding) throws(SpectralConvError) {
        let stride = stride ?? size
        try LayerValidation.requireAtLeast(min(size.height, size.width), 1, "poolSize", layer: layer)
        try LayerValidation.requireAtLeast(min(stride.height, stride.width), 1, "stride", layer: layer)
        switch padding {
        case .valid, .same: break
        case .full: throw .invalidArgument("\(layer): padding 'full' is not defined for pooling; use valid, same or explicit")
        case .explicit(let top, let bottom, let left, let right):
            guard min(top, bottom, left, right) >= 0, max(top, bottom) <= size.height / 2, max(left, right) <= size.width / 2 else {
                throw .invalidArgument("\(layer): padding \(padding) must be between 0 and half the pool size \(size) on each side")
            }
        }
        self.size = size
        self.stride = stride
        self.padding = padding
    }

    /// Resolved sizes for an `H × W` input.
    struct Resolved {
        let height: Int, width: Int, outHeight: Int, outWidth: Int, padTop: Int, padLeft: Int
    }

    func resolve(height: Int, width: Int, layer: String) throws(SpectralConvError) -> Resolved {
        let (top, bottom, left, right): (Int, Int, Int, Int)
        switch padding {
        case .valid, .full: (top, bottom, left, right) = (0, 0, 0, 0)
        case .same:
            let vertical = ConvolutionGeometry.samePadding(input: height, kernel: size.height, stride: stride.height, dilation: 1)
            let horizontal = ConvolutionGeometry.samePadding(input: width, kernel: size.width, stride: stride.width, dilation: 1)
            (top, bottom, left, right) = (vertical.before, vertical.after, horizontal.before, horizontal.after)
        case .explicit(let t, let b, let l, let r): (top, bottom, left, right) = (t, b, l, r)
        }
        guard size.height <= height + top + bottom, size.width <= width + left + right else {
            throw .invalidShape("\(layer): the pool window \(size) is larger than the padded input \(height + top + bottom)x\(width + left + right)")
        }
        return Resolved(
            height: height, width: width,
            outHeight: ConvolutionGeometry.outputSize(input: height, kernel: size.height, stride: stride.height, padBefore: top, padAfter: bottom, dilation: 1),
            outWidth: ConvolutionGeometry.outputSize(input: width, kernel: size.width, stride: stride.width, padBefore: left, padAfter: right, dilation: 1),
            padTop: top, padLeft: left)
    }

    /// Per-sample `[C, Ho, Wo]` for a `[C, H, W]` sample.
    func outputShape(forInputShape shape: [Int], layer: String) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(shape, 3, layer: layer, expected: "a [C, H, W] sample")
        let resolved = try resolve(height: shape[1], width: shape[2], layer: layer)
        return [shape[0], resolved.outHeight, resolved.outWidth]
    }

    /// Calls `body(outputOffset, rowRange, columnRange)` for every output element of an
    /// `[N·C, H, W]` input, with the window clipped to the input.
    func forEachWindow(maps: Int, _ r: Resolved, _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        forEachWindow(maps: 0..<maps, r, body)
    }

    /// ``forEachWindow(maps:_:_:)`` for the planes `maps` only.
    func forEachWindow(maps: Range<Int>, _ r: Resolved, _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        for map in maps {
            for i in 0..<r.outHeight {
                let rowStart = i * stride.height - r.padTop
                let rows = max(rowStart, 0)..<min(rowStart + size.height, r.height)
                for j in 0..<r.outWidth {
                    let columnStart = j * stride.width - r.padLeft
                    let columns = max(columnStart, 0)..<min(columnStart + size.width, r.width)
                    body((map * r.outHeight + i) * r.outWidth + j, map * r.height * r.width, rows, columns)
                }
            }
        }
    }
}

/// The pooling loops, each entered with a concrete scalar type after one switch on
/// ``TensorScalar/precision`` (see ConcreteScalar.swift).
extension PoolingWindow {
    /// Max pooling of `input` (`[N·C, H, W]` as `maps` planes) into `output`, recording in `argmax`
    /// the input offset of each output's maximum (the first in row-major order on ties; −∞ start).
    /// Planes are spread over `parallelism` when there are at least ``parallelThreshold`` outputs.
    func maxPool<S: TensorScalar>(_ input: Tensor<S>, maps: Int, _ r: Resolved, into output: inout Tensor<S>, argmax: inout [Int],
                                  parallelism: Parallelism = Parallelism(threads: 1)) {
        let threads = maps * r.outHeight * r.outWidth >= Self.parallelThreshold ? parallelism : Parallelism(threads: 1)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { argmax in
                    threads.forEachChunk(of: maps, oversubscription: 1) { planes in
                        switch S.precision {
                        case .single: maxPool(x.concrete(Float.self), maps: planes, r, y.concrete(Float.self), argmax)
                        case .double: maxPool(x.concrete(Double.self), maps: planes, r, y.concrete(Double.self), argmax)
                        }
                    }
                }
            }
        }
    }

    /// Outputs below which pooling runs on one thread.
    static let parallelThreshold = 16_384

    /// Max pooling's backward: `dx` of `inputShape` `[N, C, H, W]`, zero except `dx[indices[i]] += dy[i]`
    /// for every output gradient. Each window's arg-max lies in its own plane, so planes (zeroed,
    /// then scattered to in output order) are spread over `parallelism` with the same result.
    static func scatter<S: TensorScalar>(_ outputGradient: Tensor<S>, to indices: [Int], inputShape: [Int],
                                         parallelism: Parallelism = Parallelism(threads: 1)) -> Tensor<S> {
        let maps = inputShape[0] * inputShape[1], plane = inputShape[2] * inputShape[3]
        let outputPlane = maps == 0 ? 0 : outputGradient.count / maps
        let threads = outputGradient.count >= parallelThreshold ? parallelism : Parallelism(threads: 1)
        return outputGradient.withUnsafeBufferPointer { dy in
            indices.withUnsafeBufferPointer { indices in
                Tensor<S>(shape: inputShape, unsafeUninitialized: { dx in
                    threads.forEachChunk(of: maps, oversubscription: 1) { planes in
                        let outputs = (planes.lowerBound * outputPlane)..<(planes.upperBound * outputPlane)
                        let region = UnsafeMutableBufferPointer(rebasing: dx[(planes.lowerBound * plane)..<(planes.upperBound * plane)])
                        switch S.precision {
                        case .single: scatter(dy.concrete(Float.self), indices, outputs, region.concrete(Float.self), offset: planes.lowerBound * plane)
                        case .double: scatter(dy.concrete(Double.self), indices, outputs, region.concrete(Double.self), offset: planes.lowerBound * plane)
                        }
                    }
                })
            }
        }
    }

    /// Average pooling of `input` into `output`: each output is the sum of its window's in-input
    /// elements divided by their count.
    func averagePool<S: TensorScalar>(_ input: Tensor<S>, maps: Int, _ r: Resolved, into output: inout Tensor<S>) {
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                switch S.precision {
                case .single: averagePool(x.concrete(Float.self), maps: maps, r, y.concrete(Float.self))
                case .double: averagePool(x.concrete(Double.self), maps: maps, r, y.concrete(Double.self))
                }
            }
        }
    }

    /// Average pooling's backward: each output gradient, divided by its window's in-input count,
    /// is added to every element of the window.
    func averagePoolBackward<S: TensorScalar>(_ outputGradient: Tensor<S>, maps: Int, _ r: Resolved, into inputGradient: inout Tensor<S>) {
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                switch S.precision {
                case .single: averagePoolBackward(dy.concrete(Float.self), maps: maps, r, dx.concrete(Float.self))
                case .double: averagePoolBackward(dy.concrete(Double.self), maps: maps, r, dx.concrete(Double.self))
                }
            }
        }
    }

    private func maxPool<T: TensorScalar>(
        _ x: UnsafeBufferPointer<T>, maps: Range<Int>, _ r: Resolved, _ y: UnsafeMutableBufferPointer<T>, _ argmax: UnsafeMutableBufferPointer<Int>
    ) {
        if r.padTop == 0 && r.padLeft == 0 && (r.outHeight - 1) * stride.height + size.height <= r.height
            && (r.outWidth - 1) * stride.width + size.width <= r.width {
            maxPoolInside(x.baseAddress!, maps: maps, r, y.baseAddress!, argmax.baseAddress!)
            return
        }
        forEachWindow(maps: maps, r) { out, base, rows, columns in
            var best = -T.infinity, bestIndex = base + rows.lowerBound * r.width + columns.lowerBound
            for row in rows {
                for column in columns where x[base + row * r.width + column] > best {
                    best = x[base + row * r.width + column]
                    bestIndex = base + row * r.width + column
                }
            }
            y[out] = x[bestIndex]
            argmax[out] = bestIndex
        }
    }

    /// ``maxPool(_:maps:_:into:argmax:)`` when every window lies inside the input (no padding
    /// reaches a window — `valid` pooling): plain index arithmetic, no clipping, the same
    /// comparisons in the same order (row-major, strict `>` from −∞, so the first maximum wins and
    /// a window of NaNs reports its first element).
    private func maxPoolInside<T: TensorScalar>(
        _ x: UnsafePointer<T>, maps: Range<Int>, _ r: Resolved, _ y: UnsafeMutablePointer<T>, _ argmax: UnsafeMutablePointer<Int>
    ) {
        let (kH, kW, sH, sW) = (size.height, size.width, stride.height, stride.width)
        let (width, plane, outPlane) = (r.width, r.height * r.width, r.outHeight * r.outWidth)
        // 2×2 stride-2 Float windows: eight at a time (the width fits Int32 offsets by far).
        let pairs = kH == 2 && kW == 2 && sH == 2 && sW == 2 && T.self == Float.self && width < Int(Int32.max) / 2
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
        for map in maps {
            let base = map * plane
            var out = map * outPlane
            for i in 0..<r.outHeight {
                var first = 0
                if pairs {
                    // Eight outputs at a time from sixteen columns of the two rows.
                    let corner = base + 2 * i * width
                    while first + 8 <= r.outWidth {
                        Self.maxPool2x2(xf, corner: corner + 2 * first, width: width, yf + out, argmax + out)
                        first += 8
                        out += 8
                    }
                }
                for j in first..<r.outWidth {
                    let corner = base + i * sH * width + j * sW
                    var best = -T.infinity, bestIndex = corner
                    if kH == 2 && kW == 2 {
                        // Unrolled: the same four comparisons in row-major order.
                        if x[corner] > best { best = x[corner] }
                        if x[corner + 1] > best { best = x[corner + 1]; bestIndex = corner + 1 }
                        if x[corner + width] > best { best = x[corner + width]; bestIndex = corner + width }
                        if x[corner + width + 1] > best { bestIndex = corner + width + 1 }
                        y[out] = x[bestIndex]
                        argmax[out] = bestIndex
                        out += 1
                        continue
                    }
                    for a in 0..<kH {
                        let row = corner + a * width
                        for b in 0..<kW where x[row + b] > best {
                            best = x[row + b]
                            bestIndex = row + b
                        }
                    }
                    y[out] = x[bestIndex]
                    argmax[out] = bestIndex
                    out += 1
                }
            }
        }
    }

    /// Eight 2×2, stride-2 windows side by side, starting at offset `corner` (rows `corner/width`
    /// and the next), for Float: the candidates in row-major order are the even and odd columns of
    /// the two rows (split by viewing sixteen floats as eight 64-bit pairs: `vshufps`); each lane
    /// keeps the first strict maximum from −∞ exactly as the scalar loop does (a lane where nothing
    /// beats −∞ reports its first element, so NaN windows give NaN).
    @inline(__always)
    private static func maxPool2x2(
        _ x: UnsafePointer<Float>, corner: Int, width: Int, _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int>
    ) {
        @inline(__always) func columns(_ p: UnsafePointer<Float>) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
            let pairs = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt64>.self)
            return (unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: pairs), to: SIMD8<Float>.self),
                    unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: pairs &>> 32), to: SIMD8<Float>.self))
        }
        let (c0, c1) = columns(x + corner)
        let (c2, c3) = columns(x + corner + width)
        var best = SIMD8<Float>(repeating: -.infinity), offset = SIMD8<Int32>()
        var wins = c0 .> best
        best.replace(with: c0, where: wins)
        wins = c1 .> best
        best.replace(with: c1, where: wins)
        offset.replace(with: 1, where: wins)
        wins = c2 .> best
        best.replace(with: c2, where: wins)
        offset.replace(with: Int32(width), where: wins)
        wins = c3 .> best
        best.replace(with: c3, where: wins)
        offset.replace(with: Int32(width + 1), where: wins)
        // Nothing beat −∞ exactly where best is still −∞ (a float compare: the integer one is not vectorised).
        best.replace(with: c0, where: best .== -.infinity)
        UnsafeMutableRawPointer(y).storeBytes(of: best, as: SIMD8<Float>.self)
        let indices = SIMD8<Int>(truncatingIfNeeded: offset) &+ SIMD8<Int>(repeating: corner) &+ SIMD8<Int>(0, 2, 4, 6, 8, 10, 12, 14)
        UnsafeMutableRawPointer(argmax).storeBytes(of: indices, as: SIMD8<Int>.self)
    }

    /// Zeroes `dx` (the planes starting at input offset `offset`) and adds the gradients of `outputs`.
    private static func scatter<T: TensorScalar>(
        _ dy: UnsafeBufferPointer<T>, _ indices: UnsafeBufferPointer<Int>, _ outputs: Range<Int>, _ dx: UnsafeMutableBufferPointer<T>, offset: Int
    ) {
        dx.initialize(repeating: 0)
        for index in outputs { dx[indices[index] - offset] += dy[index] }
    }

    private func averagePool<T: TensorScalar>(_ x: UnsafeBufferPointer<T>, maps: Int, _ r: Resolved, _ y: UnsafeMutableBufferPointer<T>) {
        forEachWindow(maps: maps, r) { out, base, rows, columns in
            var sum: T = 0
            for row in rows {
                for column in columns { sum += x[base + row * r.width + column] }
            }
            y[out] = sum / T(rows.count * columns.count)
        }
    }

    private func averagePoolBackward<T: TensorScalar>(_ dy: UnsafeBufferPointer<T>, maps: Int, _ r: Resolved, _ dx: UnsafeMutableBufferPointer<T>) {
        forEachWindow(maps: maps, r) { out, base, rows, columns in
            let share = dy[out] / T(rows.count * columns.count)
            for row in rows {
                for column in columns { dx[base + row * r.width + column] += share }
            }
        }
    }
}
