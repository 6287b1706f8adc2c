import SpectralConv

/// Reshapes `[N, d1, d2, …]` to `[N, d1·d2·…]` (row-major, so a `[C, H, W]` sample becomes
/// `c·H·W + h·W + w`, PyTorch's `nn.Flatten` order). No parameters, no arithmetic.
public final class Flatten<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Flatten" }
    public var namePrefix: String { "flatten" }
    private var cachedShape: [Int]?

    public init(name: String = "") { self.name = name }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        Flatten<Scalar>(name: name)
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape("Flatten expects a sample with positive extents, got \(inputShape)")
        }
        return [inputShape.reduce(1, *)]
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        guard input.rank >= 2 else { throw .invalidShape("Flatten expects a batch [N, …] of rank ≥ 2, got \(input.shape)") }
        cachedShape = input.shape
        return try input.reshaped([input.shape[0], input.shape.dropFirst().reduce(1, *)])
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let shape = cachedShape else { preconditionFailure("Flatten.backward called before forward") }
        return try outputGradient.reshaped(shape)
    }

    /// Reshaping costs no arithmetic.
    public func forwardFlops(inputShape: [Int]) -> Double { 0 }
}
