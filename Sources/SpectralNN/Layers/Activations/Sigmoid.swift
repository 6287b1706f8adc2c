import Foundation
import SpectralConv

/// `y = 1 / (1 + e^(−x))` elementwise, any shape; `dx = dy · y · (1 − y)`.
/// Evaluated as `e^x / (1 + e^x)` for negative `x` so that no exponential overflows.
public final class Sigmoid<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Sigmoid" }
    public var namePrefix: String { "sigmoid" }
    private var cachedOutput: Tensor<Scalar>?

    public init(name: String = "") { self.name = name }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        let output = ElementwiseActivation.sigmoid.forward(input)
        cachedOutput = output
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let output = cachedOutput else { preconditionFailure("Sigmoid.backward called before forward") }
        try ActivationShape.require(outputGradient, matches: output, layer: "Sigmoid")
        return ElementwiseActivation.sigmoid.backward(outputGradient, cached: output)
    }
}
