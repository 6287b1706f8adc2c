import SpectralConv

/// The shared body of the elementwise activation layers (``ReLU``, ``Tanh``, ``Sigmoid``): any
/// shape in, the same shape out, one function applied per element; the backward multiplies `dy` by
/// the derivative from what the forward cached — the input for ReLU (`[x > 0]`), the output for
/// tanh and sigmoid (`1 − y²`, `y·(1 − y)`). Subclasses only name themselves and their function.
public class ElementwiseActivationLayer<Scalar: TensorScalar>: Layer, ParallelLayer {
    public var name: String
    public var typeName: String { preconditionFailure("subclasses name themselves") }
    public var namePrefix: String { preconditionFailure("subclasses name themselves") }
    /// Threads for the elementwise loops (large batches only; results do not depend on it).
    public var parallelism = Parallelism(threads: SharedEngine.default.threads)
    let function: ElementwiseActivation
    /// What ``backward(_:)`` needs from the last forward call.
    private var cached: Tensor<Scalar>?

    init(function: ElementwiseActivation, name: String) {
        self.function = function
        self.name = name
    }

    /// A layer of the same kind and name with the same threads and no cache.
    public required init(name: String = "") { preconditionFailure("subclasses implement init(name:)") }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = type(of: self).init(name: name)
        copy.parallelism = parallelism
        return copy
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        let output = function.forward(input, parallelism: parallelism)
        cached = function == .relu ? input : output
        return output
    }

    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when `outputGradient` does not match the
    ///   last output.
    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let cached else { preconditionFailure("\(typeName).backward called before forward") }
        try ActivationShape.require(outputGradient, matches: cached, layer: typeName)
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
