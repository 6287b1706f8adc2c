import SpectralConv

/// What an elementwise activation layer keeps between forward and backward: its function and
/// the tensor the derivative needs — the input for ReLU (`[x > 0]`), the output for tanh and
/// sigmoid (`1 − y²`, `y·(1 − y)`).
struct ActivationState<Scalar: TensorScalar> {
    let function: ElementwiseActivation
    let layer: String
    private var cached: Tensor<Scalar>?

    init(_ function: ElementwiseActivation, layer: String) {
        self.function = function
        self.layer = layer
    }

    /// The activation of `input`, remembering what ``backward(_:)`` needs.
    mutating func forward(_ input: Tensor<Scalar>, parallelism: Parallelism) -> Tensor<Scalar> {
        let output = function.forward(input, parallelism: parallelism)
        cached = function == .relu ? input : output
        return output
    }

    /// `dL/dx` from `dL/dy` and the tensor cached by the last forward.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when `outputGradient` does not match it.
    func backward(_ outputGradient: Tensor<Scalar>, parallelism: Parallelism) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let cached else { preconditionFailure("\(layer).backward called before forward") }
        try ActivationShape.require(outputGradient, matches: cached, layer: layer)
        return function.backward(outputGradient, cached: cached, parallelism: parallelism)
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
