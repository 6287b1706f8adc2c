import Foundation
import SpectralConv

/// Elementwise maps on tensors of the same shape (generic over the scalar).
extension Tensor {
    /// `body(self[i], other[i])` for every element.
    /// - Precondition: the shapes are equal.
    func zipMap(_ other: Tensor, _ body: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        let a = scalars, b = other.scalars
        return Tensor(shape: shape) { body(a[$0], b[$0]) }
    }

    /// `body(self[i])` for every element.
    func map(_ body: (Scalar) -> Scalar) -> Tensor {
        let a = scalars
        return Tensor(shape: shape) { body(a[$0]) }
    }
}

/// An elementwise activation whose forward and backward loops run specialised for `Float` or
/// `Double` (see ConcreteScalar.swift), instead of through a generic closure.
///
/// Float uses the vectorised ``VectorMath`` functions (8 lanes; the last partial vector is padded);
/// Double evaluates libm's functions (it serves gradient checks). Outputs are allocated
/// uninitialised: every element is written.
enum ElementwiseActivation {
    /// `tanh(x)`; backward `dy · (1 − y²)` from the output `y`.
    case tanh
    /// `max(x, 0)`; backward `dy · [x > 0]` from the input `x`.
    case relu
    /// `1 / (1 + e^(−x))` (as `e^x / (1 + e^x)` for `x < 0`); backward `dy · y · (1 − y)` from the
    /// output `y`.
    case sigmoid

    /// Elements below which a call runs on one thread (thread start-up would cost more).
    static let parallelThreshold = 32_768

    /// The activation of every element of `input`, in chunks of a multiple of 8 elements spread
    /// over `parallelism`'s threads (each element's result does not depend on the split).
    func forward<S: TensorScalar>(_ input: Tensor<S>, parallelism: Parallelism = Parallelism(threads: 1)) -> Tensor<S> {
        input.withUnsafeBufferPointer { x in
            Tensor<S>(shape: input.shape, unsafeUninitialized: { y in
                Self.forEachChunk(x.count, parallelism) { range in
                    let (x, y) = (UnsafeBufferPointer(rebasing: x[range]), UnsafeMutableBufferPointer(rebasing: y[range]))
                    switch S.precision {
                    case .single: forward(x.concrete(Float.self), y.concrete(Float.self))
                    case .double: forward(x.concrete(Double.self), y.concrete(Double.self))
                    }
                }
            })
        }
    }

    /// Calls `body` on chunks of `0..<count` whose bounds are multiples of 8, over the threads
    /// when there are at least ``parallelThreshold`` elements.
    private static func forEachChunk(_ count: Int, _ parallelism: Parallelism, _ body: (Range<Int>) -> Void) {
        guard parallelism.threads > 1, count >= parallelThreshold else {
            body(0..<count)
            return
        }
        let vectors = (count + 7) / 8
        parallelism.forEachChunk(of: vectors, oversubscription: 1) { range in
            body((range.lowerBound * 8)..<min(range.upperBound * 8, count))
        }
    }

    /// `dx` from `dy` and the cached tensor: the output for tanh and sigmoid, the input for ReLU.
    /// - Precondition: the shapes are equal.
    func backward<S: TensorScalar>(_ outputGradient: Tensor<S>, cached: Tensor<S>, parallelism: Parallelism = Parallelism(threads: 1)) -> Tensor<S> {
        precondition(outputGradient.shape == cached.shape, "shapes differ: \(outputGradient.shape) vs \(cached.shape)")
        return outputGradient.withUnsafeBufferPointer { dy in
            cached.withUnsafeBufferPointer { c in
                Tensor<S>(shape: cached.shape, unsafeUninitialized: { dx in
                    Self.forEachChunk(dy.count, parallelism) { range in
                        let (dy, c, dx) = (UnsafeBufferPointer(rebasing: dy[range]), UnsafeBufferPointer(rebasing: c[range]),
                                           UnsafeMutableBufferPointer(rebasing: dx[range]))
                        switch S.precision {
                        case .single: backward(dy.concrete(Float.self), c.concrete(Float.self), dx.concrete(Float.self))
                        case .double: backward(dy.concrete(Double.self), c.concrete(Double.self), dx.concrete(Double.self))
                        }
                    }
                })
            }
        }
    }

    private func forward(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .tanh: Self.apply(VectorMath.tanh, x, y)
        case .sigmoid: Self.apply(VectorMath.sigmoid, x, y)
        case .relu: for i in x.indices { y[i] = x[i] > 0 ? x[i] : 0 }
        }
    }

    private func forward(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case .tanh:
            for i in x.indices { y[i] = Foundation.tanh(x[i]) }
        case .relu:
            for i in x.indices { y[i] = x[i] > 0 ? x[i] : 0 }
        case .sigmoid:
            for i in x.indices {
                let value = x[i]
                if value >= 0 {
                    y[i] = 1 / (1 + Foundation.exp(-value))
                } else {
                    let e = Foundation.exp(value)
                    y[i] = e / (1 + e)
                }
            }
        }
    }

    /// `y = f(x)` eight lanes at a time; the last partial vector goes through a zero-padded copy.
    @inline(__always)
    private static func apply(_ f: (SIMD8<Float>) -> SIMD8<Float>, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        let count = x.count
        guard count > 0 else { return }
        let source = UnsafeRawPointer(x.baseAddress!), target = UnsafeMutableRawPointer(y.baseAddress!)
        let stride = MemoryLayout<Float>.stride
        var index = 0
        while index + 8 <= count {
            target.storeBytes(of: f(source.loadUnaligned(fromByteOffset: index * stride, as: SIMD8<Float>.self)),
                              toByteOffset: index * stride, as: SIMD8<Float>.self)
            index += 8
        }
        if index < count {
            var lanes = SIMD8<Float>()
            for lane in 0..<(count - index) { lanes[lane] = x[index + lane] }
            let result = f(lanes)
            for lane in 0..<(count - index) { y[index + lane] = result[lane] }
        }
    }

    private func backward<T: TensorScalar>(_ dy: UnsafeBufferPointer<T>, _ cached: UnsafeBufferPointer<T>, _ dx: UnsafeMutableBufferPointer<T>) {
        switch self {
        case .tanh:
            for i in dy.indices { dx[i] = dy[i] * (1 - cached[i] * cached[i]) }
        case .relu:
            for i in dy.indices { dx[i] = cached[i] > 0 ? dy[i] : 0 }
        case .sigmoid:
            for i in dy.indices { dx[i] = dy[i] * cached[i] * (1 - cached[i]) }
        }
    }
}
