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
enum ElementwiseActivation {
    /// `tanh(x)` in Double, rounded; backward `dy · (1 − y²)` from the output `y`.
    case tanh
    /// `max(x, 0)`; backward `dy · [x > 0]` from the input `x`.
    case relu
    /// `1 / (1 + e^(−x))` in Double (as `e^x / (1 + e^x)` for `x < 0`), rounded; backward
    /// `dy · y · (1 − y)` from the output `y`.
    case sigmoid

    /// The activation of every element of `input`.
    func forward<S: TensorScalar>(_ input: Tensor<S>) -> Tensor<S> {
        var output = Tensor<S>.zeros(shape: input.shape)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                switch S.precision {
                case .single: forward(x.concrete(Float.self), y.concrete(Float.self))
                case .double: forward(x.concrete(Double.self), y.concrete(Double.self))
                }
            }
        }
        return output
    }

    /// `dx` from `dy` and the cached tensor: the output for tanh and sigmoid, the input for ReLU.
    /// - Precondition: the shapes are equal.
    func backward<S: TensorScalar>(_ outputGradient: Tensor<S>, cached: Tensor<S>) -> Tensor<S> {
        precondition(outputGradient.shape == cached.shape, "shapes differ: \(outputGradient.shape) vs \(cached.shape)")
        var inputGradient = Tensor<S>.zeros(shape: cached.shape)
        outputGradient.withUnsafeBufferPointer { dy in
            cached.withUnsafeBufferPointer { c in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    switch S.precision {
                    case .single: backward(dy.concrete(Float.self), c.concrete(Float.self), dx.concrete(Float.self))
                    case .double: backward(dy.concrete(Double.self), c.concrete(Double.self), dx.concrete(Double.self))
                    }
                }
            }
        }
        return inputGradient
    }

    private func forward<T: TensorScalar>(_ x: UnsafeBufferPointer<T>, _ y: UnsafeMutableBufferPointer<T>) {
        switch self {
        case .tanh:
            for i in x.indices { y[i] = T(Foundation.tanh(Double(x[i]))) }
        case .relu:
            for i in x.indices { y[i] = x[i] > 0 ? x[i] : 0 }
        case .sigmoid:
            for i in x.indices {
                let value = Double(x[i])
                if value >= 0 {
                    y[i] = T(1 / (1 + Foundation.exp(-value)))
                } else {
                    let e = Foundation.exp(value)
                    y[i] = T(e / (1 + e))
                }
            }
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
