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
        for map in 0..<maps {
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
    func maxPool<S: TensorScalar>(_ input: Tensor<S>, maps: Int, _ r: Resolved, into output: inout Tensor<S>, argmax: inout [Int]) {
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { argmax in
                    switch S.precision {
                    case .single: maxPool(x.concrete(Float.self), maps: maps, r, y.concrete(Float.self), argmax)
                    case .double: maxPool(x.concrete(Double.self), maps: maps, r, y.concrete(Double.self), argmax)
                    }
                }
            }
        }
    }

    /// `dx[indices[i]] += dy[i]` for every output gradient (max pooling's backward).
    static func scatter<S: TensorScalar>(_ outputGradient: Tensor<S>, to indices: [Int], into inputGradient: inout Tensor<S>) {
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                switch S.precision {
                case .single: scatter(dy.concrete(Float.self), indices, dx.concrete(Float.self))
                case .double: scatter(dy.concrete(Double.self), indices, dx.concrete(Double.self))
                }
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
        _ x: UnsafeBufferPointer<T>, maps: Int, _ r: Resolved, _ y: UnsafeMutableBufferPointer<T>, _ argmax: UnsafeMutableBufferPointer<Int>
    ) {
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

    private static func scatter<T: TensorScalar>(_ dy: UnsafeBufferPointer<T>, _ indices: [Int], _ dx: UnsafeMutableBufferPointer<T>) {
        for index in dy.indices { dx[indices[index]] += dy[index] }
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
