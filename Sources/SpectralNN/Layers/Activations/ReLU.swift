import SpectralConv

/// `y = max(x, 0)` elementwise, any shape; `dx = dy · [x > 0]` (the subgradient at 0 is 0).
public final class ReLU<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "ReLU" }
    public var namePrefix: String { "relu" }
    private var cachedInput: Tensor<Scalar>?

    public init(name: String = "") { self.name = name }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        cachedInput = input
        return ElementwiseActivation.relu.forward(input)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let input = cachedInput else { preconditionFailure("ReLU.backward called before forward") }
        try ActivationShape.require(outputGradient, matches: input, layer: "ReLU")
        return ElementwiseActivation.relu.backward(outputGradient, cached: input)
    }
}

/// The check every activation's backward makes.
enum ActivationShape {
    static func require<S: TensorScalar>(_ gradient: Tensor<S>, matches cached: Tensor<S>, layer: String) throws(SpectralConvError) {
        guard gradient.shape == cached.shape else {
            throw .invalidShape("\(layer): output gradient \(gradient.shape) does not match the last output \(cached.shape)")
        }
    }
}
