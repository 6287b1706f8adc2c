/// A dense n-dimensional array: a shape and contiguous row-major (C-order) storage.
///
/// Layout conventions used throughout the toolkit (the PyTorch / ONNX ones):
/// - image batches and feature maps: `[N, C, H, W]` (NCHW); 2-D kernels: `[O, I/groups, kH, kW]` (OIHW);
/// - sequences: `[N, C, L]` (NCL); 1-D kernels: `[O, I/groups, K]` (OIL).
///
/// The element at `[i0, i1, …, i(r-1)]` lives at offset `Σ ik · stride(k)` with
/// `stride(k) = Π_{j>k} shape[j]`. Storage is a Swift array, so copies are copy-on-write.
public struct Tensor<Scalar: TensorScalar>: Sendable, Equatable {
    /// The extent of each dimension; every extent is ≥ 0.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public private(set) var scalars: [Scalar]

    /// Wraps existing storage.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when an extent is negative or the element
    ///   count does not match the shape.
    public init(shape: [Int], scalars: [Scalar]) throws(SpectralConvError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidShape("extents must be non-negative, got \(shape)")
        }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw .invalidShape("shape \(shape) holds \(count) elements, but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor with every element equal to `value`.
    /// - Precondition: every extent is non-negative.
    public init(shape: [Int], repeating value: Scalar = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor extents must be non-negative, got \(shape)")
        self.shape = shape
        self.scalars = [Scalar](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor whose elements are produced by `body` from their row-major offset.
    public init(shape: [Int], generator body: (Int) -> Scalar) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor extents must be non-negative, got \(shape)")
        self.shape = shape
        self.scalars = (0..<shape.reduce(1, *)).map(body)
    }

    /// Builds a tensor by writing into uninitialised storage of `shape.reduce(1, *)` elements;
    /// `body` must initialise every element (for kernels that write every output element anyway:
    /// no zero-fill pass first).
    /// - Precondition: every extent is non-negative.
    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor extents must be non-negative, got \(shape)")
        self.shape = shape
        let count = shape.reduce(1, *)
        self.scalars = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }

    /// Row-major strides, in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            result[axis] = running
            running *= shape[axis]
        }
        return result
    }

    /// The element at a multi-index.
    /// - Precondition: one index per dimension, each within its extent.
    public subscript(_ indices: Int...) -> Scalar {
        get { scalars[offset(of: indices)] }
        set { scalars[offset(of: indices)] = newValue }
    }

    private func offset(of indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor of rank \(rank) indexed with \(indices.count) indices")
        var offset = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "index \(index) out of range 0..<\(shape[axis]) on axis \(axis)")
            offset = offset * shape[axis] + index
        }
        return offset
    }

    /// The same elements under another shape with the same element count.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the counts differ.
    public func reshaped(_ newShape: [Int]) throws(SpectralConvError) -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Every element converted to another precision.
    public func converted<Other: TensorScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, unsafeUninitialized: { out in
            for index in scalars.indices { out[index] = Other(scalars[index]) }
        })
    }

    /// Calls `body` with the contiguous storage.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the contiguous, mutable storage.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// The largest absolute element (0 for an empty tensor; NaN if any element is NaN).
    public var maxMagnitude: Scalar {
        var result: Scalar = 0
        for value in scalars {
            let magnitude = Swift.abs(value)
            if magnitude.isNaN { return .nan }
            result = Swift.max(result, magnitude)
        }
        return result
    }

    /// The largest absolute elementwise difference from another tensor of the same shape; NaN if any
    /// difference is NaN (so a NaN never passes a `<= tolerance` check).
    /// - Precondition: the shapes are equal.
    public func maxAbsoluteDifference(from other: Tensor) -> Scalar {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        var result: Scalar = 0
        for index in scalars.indices {
            let difference = Swift.abs(scalars[index] - other.scalars[index])
            if difference.isNaN { return .nan }
            result = Swift.max(result, difference)
        }
        return result
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.self)>(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
