import Foundation
import SpectralConv

/// `y = tanh(x)` elementwise, any shape; `dx = dy · (1 − y²)`. (Evaluated in Double and rounded.)
public final class Tanh<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Tanh" }
    public var namePrefix: String { "tanh" }
    private var state = ActivationState<Scalar>(.tanh, layer: "Tanh")

    public init(name: String = "") { self.name = name }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        state.forward(input)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        try state.backward(outputGradient)
    }
}
