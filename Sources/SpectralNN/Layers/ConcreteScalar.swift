import SpectralConv

// The layers are generic classes held as `any Layer`, so a loop written directly in one of their
// methods runs unspecialised: every `+=`, comparison and conversion goes through the runtime's
// generic machinery (metadata look-ups, witness thunks). The hot loops of SpectralNN therefore live in
// generic kernels that are entered once per call with a concrete type — a switch on
// ``TensorScalar/precision`` that passes `Float.self` or `Double.self` and the storage seen as that
// type, the pattern of `ConvolutionEngine.forward` — so that the compiler specialises (and
// vectorises) everything below. Each kernel performs the same operations in the same order as the
// loop it replaced, so results are bit-identical.

extension UnsafeBufferPointer where Element: TensorScalar {
    /// This buffer seen as `T`, which must be `Element` itself (the caller switched on
    /// ``TensorScalar/precision``); used to enter a kernel with a concrete scalar type.
    func concrete<T: TensorScalar>(_: T.Type) -> UnsafeBufferPointer<T> {
        assert(T.self == Element.self, "\(T.self) is not \(Element.self)")
        return UnsafeBufferPointer<T>(start: UnsafeRawPointer(baseAddress)?.assumingMemoryBound(to: T.self), count: count)
    }
}

extension UnsafeMutableBufferPointer where Element: TensorScalar {
    /// This buffer seen as `T`, which must be `Element` itself (see ``UnsafeBufferPointer/concrete(_:)``).
    func concrete<T: TensorScalar>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
        assert(T.self == Element.self, "\(T.self) is not \(Element.self)")
        return UnsafeMutableBufferPointer<T>(start: UnsafeMutableRawPointer(baseAddress)?.assumingMemoryBound(to: T.self), count: count)
    }
}

extension Tensor {
    /// The elements converted to Double (for the optimisers' state), specialised per precision.
    func doubleScalars() -> [Double] {
        withUnsafeBufferPointer { x in
            switch Scalar.precision {
            case .single: return Self.toDouble(x.concrete(Float.self))
            case .double: return Array(x.concrete(Double.self))
            }
        }
    }

    /// A tensor of `shape` from Double values, each rounded to `Scalar`, specialised per precision.
    /// - Precondition: `values.count == shape.reduce(1, *)`.
    init(shape: [Int], rounding values: [Double]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self = .zeros(shape: shape)
        withUnsafeMutableBufferPointer { y in
            switch Scalar.precision {
            case .single: Self.round(values, into: y.concrete(Float.self))
            case .double: _ = y.concrete(Double.self).update(fromContentsOf: values)
            }
        }
    }

    /// A tensor of zeros filled by code specialised for the concrete scalar. (The core's
    /// `Tensor(shape:)`, called from generic code, fills element by element through the runtime's
    /// value witnesses.)
    static func zeros(shape: [Int]) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor extents must be non-negative, got \(shape)")
        let count = shape.reduce(1, *)
        let scalars: [Scalar]
        switch Scalar.precision {
        case .single: scalars = unsafeBitCast([Float](repeating: 0, count: count), to: [Scalar].self)
        case .double: scalars = unsafeBitCast([Double](repeating: 0, count: count), to: [Scalar].self)
        }
        return try! Tensor(shape: shape, scalars: scalars)  // same count by construction
    }

    private static func toDouble(_ x: UnsafeBufferPointer<Float>) -> [Double] { x.map(Double.init) }

    private static func round(_ values: [Double], into y: UnsafeMutableBufferPointer<Float>) {
        for index in values.indices { y[index] = Float(values[index]) }
    }
}

/// Calls `body` with the storage of `tensor`, or with nil when there is none.
func withOptionalStorage<S: TensorScalar, R>(_ tensor: Tensor<S>?, _ body: (UnsafePointer<S>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}
