import SpectralConv

/// `y = max(x, 0)` elementwise, any shape; `dx = dy · [x > 0]` (the subgradient at 0 is 0).
public final class ReLU<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { "ReLU" }
    public var namePrefix: String { "relu" }
    /// Threads for the elementwise loops (large batches only; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    private var state = ActivationState<Scalar>(.relu, layer: "ReLU")

    public init(name: String = "") { self.name = name }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = ReLU<Scalar>(name: name)
        copy.parallelism = parallelism
        return copy
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        state.forward(input, parallelism: parallelism)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        try state.backward(outputGradient, parallelism: parallelism)
    }
}

