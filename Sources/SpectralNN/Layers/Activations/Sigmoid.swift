import Foundation
import SpectralConv

/// `y = 1 / (1 + e^(−x))` elementwise, any shape; `dx = dy · y · (1 − y)`.
/// Evaluated as `e^x / (1 + e^x)` for negative `x` so that no exponential overflows.
public final class Sigmoid<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { "Sigmoid" }
    public var namePrefix: String { "sigmoid" }
    /// Threads for the elementwise loops (large batches only; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    private var state = ActivationState<Scalar>(.sigmoid, layer: "Sigmoid")

    public init(name: String = "") { self.name = name }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = Sigmoid<Scalar>(name: name)
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
