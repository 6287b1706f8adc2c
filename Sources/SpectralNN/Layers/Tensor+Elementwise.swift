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
