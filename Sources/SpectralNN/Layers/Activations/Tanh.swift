import Foundation
import SpectralConv

/// `y = tanh(x)` elementwise, any shape; `dx = dy · (1 − y²)`. (Evaluated in Double and rounded.)
public final class Tanh<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Tanh" }
    public var namePrefix: String { "tanh" }
    private var cachedOutput: Tensor<Scalar>?

    public init(name: String = "") { self.name = name }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        let output = ElementwiseActivation.tanh.forward(input)
        cachedOutput = output
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let output = cachedOutput else { preconditionFailure("Tanh.backward called before forward") }
        try ActivationShape.require(outputGradient, matches: output, layer: "Tanh")
        return ElementwiseActivation.tanh.backward(outputGradient, cached: output)
    }
}
