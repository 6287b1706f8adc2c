import SpectralConv

/// Shape checks shared by the layers: every message names the layer and what it expected.
enum LayerValidation {
    /// Throws unless `shape` has `rank` extents, all positive.
    static func requireRank(_ shape: [Int], _ rank: Int, layer: String, expected layout: String) throws(SpectralConvError) {
        guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("\(layer) expects \(layout), got \(shape)")
        }
    }

    /// Throws unless `value ≥ minimum`.
    static func requireAtLeast(_ value: Int, _ minimum: Int, _ what: String, layer: String) throws(SpectralConvError) {
        guard value >= minimum else { throw .invalidArgument("\(layer): \(what) must be at least \(minimum), got \(value)") }
    }

    /// Throws unless the batch's per-sample shape is `expected` (the shape the layer was built for).
    static func requireSampleShape(_ shape: [Int], _ expected: [Int], layer: String) throws(SpectralConvError) {
        guard shape.count == expected.count + 1, Array(shape.dropFirst()) == expected, shape[0] > 0 else {
            throw .invalidShape("\(layer) expects a batch of \(expected), got \(shape)")
        }
    }

    /// The default engine of convolution layers created without one: all active cores.
    static let sharedEngine: ConvolutionEngine = {
        do { return try ConvolutionEngine() } catch { preconditionFailure("ConvolutionEngine() with the core count failed: \(error)") }
    }()
}

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
