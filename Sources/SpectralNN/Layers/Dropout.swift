import SpectralConv

/// Inverted dropout (Keras' `Dropout`, PyTorch's `nn.Dropout`): in training each element is kept with
/// probability `1 − rate` and scaled by `1 / (1 − rate)`; in evaluation the layer is the identity.
///
/// The mask comes from the layer's own SplitMix64 stream (element `i` is dropped when the i-th
/// uniform draw is below `rate`), seeded by `seed` or by the model's seed via ``reset(generator:)`` —
/// the same seed gives the same masks in the same order.
public final class Dropout<Scalar: TensorScalar>: Layer, RandomStreamLayer {
    public var name: String
    public var typeName: String { "Dropout" }
    public var namePrefix: String { "dropout" }
    /// The probability of dropping an element, in `[0, 1)`.
    public let rate: Double
    private var generator: SplitMix64
    private var cachedMask: Tensor<Scalar>?

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` unless `0 ≤ rate < 1`.
    public init(rate: Double, seed: UInt64 = 0, name: String = "") throws(SpectralConvError) {
        guard rate >= 0, rate < 1 else { throw .invalidArgument("Dropout rate must be in [0, 1), got \(rate)") }
        self.rate = rate
        self.name = name
        self.generator = SplitMix64(seed: seed)
    }

    public var randomState: UInt64 {
        get { generator.currentState }
        set { generator = SplitMix64(seed: newValue) }
    }

    public func reset(generator: inout SplitMix64) { self.generator = SplitMix64(seed: generator.next()) }

    /// A copy with the same rate and stream state (a replica evaluates; data-parallel training
    /// keeps models with dropout on layer-level threads, since one stream covers the whole batch).
    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        let copy = try Dropout(rate: rate, name: name)
        copy.randomState = randomState
        return copy
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        guard training, rate > 0 else {
            cachedMask = nil
            return input
        }
        let keep = Scalar(1 / (1 - rate))
        let mask = Tensor<Scalar>(shape: input.shape) { _ in
            Initializer.unitUniform(&generator) < rate ? 0 : keep
        }
        cachedMask = mask
        return input.zipMap(mask, *)
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let mask = cachedMask else { return outputGradient }
        guard mask.shape == outputGradient.shape else {
            throw .invalidShape("Dropout: output gradient \(outputGradient.shape) does not match the input \(mask.shape)")
        }
        return outputGradient.zipMap(mask, *)
    }
}
