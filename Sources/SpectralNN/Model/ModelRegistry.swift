import SpectralConv

/// Built-in models by name, built for any compatible input shape.
///
/// - `seed`: the seed document's network — conv 4@5×5 tanh, conv 8@3×3 tanh, max-pool 2,
///   conv 16@3×3 relu, max-pool 2, flatten, dense 128 tanh, dense 10 softmax (valid padding,
///   stride 1). On `1×28×28`: 4×24×24 → 8×22×22 → 8×11×11 → 16×9×9 → 16×4×4 → 256 → 128 → 10,
///   35,754 parameters.
public enum ModelRegistry {
    /// The names ``build(_:inputShape:seed:engine:)`` accepts.
    public static let names = ["seed"]

    /// The default per-sample input shape of a model (`[1, 28, 28]` for `seed`).
    public static func defaultInputShape(of name: String) throws(SpectralConvError) -> [Int] {
        switch name {
        case "seed": return [1, 28, 28]
        default: throw unknown(name)
        }
    }

    /// Builds model `name` for samples of `inputShape` (nil: the model's default).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for an unknown name;
    ///   ``SpectralConvError/invalidShape(_:)`` for an input the model cannot take (too small, wrong rank).
    public static func build<Scalar: TensorScalar>(
        _ name: String, inputShape: [Int]? = nil, seed: UInt64 = 0, engine: ConvolutionEngine? = nil, as _: Scalar.Type = Scalar.self
    ) throws(SpectralConvError) -> Sequential<Scalar> {
        let shape: [Int]
        if let inputShape { shape = inputShape } else { shape = try defaultInputShape(of: name) }
        switch name {
        case "seed": return try seedNetwork(inputShape: shape, seed: seed, engine: engine)
        default: throw unknown(name)
        }
    }

    private static func seedNetwork<Scalar: TensorScalar>(inputShape: [Int], seed: UInt64, engine: ConvolutionEngine?) throws(SpectralConvError) -> Sequential<Scalar> {
        guard inputShape.count == 3 else {
            throw .invalidShape("model 'seed' takes [C, H, W] images, got \(inputShape)")
        }
        let convolutions: [any Layer<Scalar>] = [
            try Conv2D(inputChannels: inputShape[0], outputChannels: 4, kernelSize: 5), Tanh(),
            try Conv2D(inputChannels: 4, outputChannels: 8, kernelSize: 3), Tanh(),
            try MaxPool2D(poolSize: 2),
            try Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 3), ReLU(),
            try MaxPool2D(poolSize: 2),
            Flatten(),
        ]
        // The flattened size depends on the input: infer it from the convolutional part.
        let features = try Sequential(inputShape: inputShape, layers: convolutions, seed: nil).outputShape[0]
        for layer in convolutions { layer.name = "" }
        let classifier: [any Layer<Scalar>] = [
            try Dense(inputFeatures: features, outputFeatures: 128), Tanh(),
            try Dense(inputFeatures: 128, outputFeatures: 10), Softmax(),
        ]
        return try Sequential(inputShape: inputShape, layers: convolutions + classifier, seed: seed, engine: engine)
    }

    private static func unknown(_ name: String) -> SpectralConvError {
        .invalidArgument("unknown model '\(name)'; expected one of \(names.joined(separator: ", "))")
    }
}
