import Foundation
import SpectralConv

/// `y = tanh(x)` elementwise, any shape; `dx = dy · (1 − y²)`. Float runs the vectorised
/// ``VectorMath/tanh(_:)`` (relative error ≤ 3e−7, see there); Double runs libm.
public final class Tanh<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { "Tanh" }
    public var namePrefix: String { "tanh" }
    /// Threads for the elementwise loops (large batches only; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    private var state = ActivationState<Scalar>(.tanh, layer: "Tanh")

    public init(name: String = "") { self.name = name }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = Tanh<Scalar>(name: name)
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
