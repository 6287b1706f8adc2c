import SpectralConv

/// One 2-D (or 1-D) kernel to analyse: its weights and where it came from.
///
/// A 1-D kernel of length `k` is stored as one row, shape `[1, k]`, and analysed on a `1 × M`
/// frequency grid (so its vertical frequency is always 0).
public struct SpectralKernel: Sendable, Equatable {
    /// A readable name: the preset spec (`gaussian:5:1`), the literal, or `file.npy[o,c]`.
    public var name: String
    /// `[o, c]` when the kernel is one of an `O × C × kH × kW` (or `O × C × K`) bank, else nil.
    public var index: [Int]?
    /// The weights, shape `[kH, kW]` (`[1, K]` for a 1-D kernel), row-major, in Double.
    public var weights: Tensor<Double>
    /// Whether the kernel is 1-D (analysed on a `1 × M` grid).
    public var isOneDimensional: Bool

    /// Wraps a `[kH, kW]` (or, with `oneDimensional`, `[1, K]`) tensor of weights.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the shape is not 2-D with positive
    ///   extents, ``SpectralConvError/invalidArgument(_:)`` when a weight is NaN or infinite.
    public init(name: String, index: [Int]? = nil, weights: Tensor<Double>, oneDimensional: Bool = false) throws(SpectralConvError) {
        guard weights.rank == 2, weights.shape.allSatisfy({ $0 >= 1 }) else {
            throw .invalidShape("kernel '\(name)' has shape \(weights.shape); expected [kH, kW] with kH, kW ≥ 1")
        }
        guard !oneDimensional || weights.shape[0] == 1 else {
            throw .invalidShape("1-D kernel '\(name)' must have one row, got shape \(weights.shape)")
        }
        guard weights.scalars.allSatisfy({ $0.isFinite }) else {
            throw .invalidArgument("kernel '\(name)' has a NaN or infinite weight")
        }
        self.name = name
        self.index = index
        self.weights = weights
        self.isOneDimensional = oneDimensional
    }

    /// Kernel height (1 for a 1-D kernel).
    public var height: Int { weights.shape[0] }
    /// Kernel width.
    public var width: Int { weights.shape[1] }
    /// The shape reported to users: `[kH, kW]`, or `[K]` for a 1-D kernel.
    public var reportedShape: [Int] { isOneDimensional ? [width] : [height, width] }

    /// The tap that sits at the spatial origin: `((kH − 1) / 2, (kW − 1) / 2)`, rounded down — the
    /// centre of an odd kernel, the upper-left of the four centre taps of an even one (the tap
    /// TensorFlow-style `same` padding aligns with the output pixel).
    public var centre: (row: Int, column: Int) { ((height - 1) / 2, (width - 1) / 2) }

    /// This kernel minus another of the same shape (e.g. sharpen − identity), named `a−b`.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the shapes differ.
    public func subtracting(_ other: SpectralKernel) throws(SpectralConvError) -> SpectralKernel {
        guard weights.shape == other.weights.shape else {
            throw .invalidShape("cannot subtract kernel \(other.weights.shape) from \(weights.shape)")
        }
        let difference = try Tensor(shape: weights.shape, scalars: zip(weights.scalars, other.weights.scalars).map { $0 - $1 })
        return try SpectralKernel(name: "\(name)-\(other.name)", weights: difference, oneDimensional: isOneDimensional)
    }
}
