import SpectralConv

/// A network layer with an explicit forward and backward pass (no automatic differentiation).
///
/// Contract:
/// - ``forward(_:training:)`` takes a batch (the batch is always axis 0: `[N, C, H, W]` for image
///   layers, `[N, C, L]` for 1-D layers, `[N, F]` for dense layers) and caches what ``backward(_:)``
///   needs; `training` selects the behaviour of ``Dropout`` and ``BatchNorm2D``.
/// - ``backward(_:)`` takes `dL/dy` for the output of the **most recent** forward call, returns
///   `dL/dx`, and **overwrites** (does not accumulate) the `gradient` of every parameter.
/// - ``parameters`` are addressed by a local name (`weight`, `bias`, `slope`, …); a ``Sequential``
///   qualifies them with the layer's ``name``: `conv1.weight`.
///
/// Layers are classes: they hold parameters and caches that a model, an optimiser and a checkpoint
/// share by reference. Shapes given to ``outputShape(forInputShape:)`` exclude the batch axis.
public protocol Layer<Scalar>: AnyObject {
    /// The precision the layer computes in (`Float` for training, `Double` for gradient checks).
    associatedtype Scalar: TensorScalar

    /// The layer's name in its model (`conv1`, `dense2`, …); ``Sequential`` assigns
    /// `namePrefix + counter` to layers created with an empty name.
    var name: String { get set }
    /// The type as the summary prints it: `Conv2D`, `MaxPool2D`, …
    var typeName: String { get }
    /// The prefix of automatically assigned names: `conv`, `dense`, `maxpool`, …
    var namePrefix: String { get }

    /// The per-sample output shape for a per-sample input shape (both without the batch axis).
    /// - Throws: ``SpectralConvError`` when the layer cannot take that input.
    func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int]

    /// Computes the layer on a batch and caches what ``backward(_:)`` needs.
    func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar>

    /// Returns `dL/dx` from `dL/dy` and stores the parameter gradients.
    /// - Precondition: ``forward(_:training:)`` ran before, on the batch `outputGradient` belongs to.
    func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar>

    /// ``backward(_:)`` that may skip `dL/dx` when `needsInputGradient` is false (the model's first
    /// layer during training: nothing consumes its input gradient) and then returns nil; the
    /// parameter gradients are stored either way. The default computes `dL/dx` anyway; layers for
    /// which it costs (convolutions, Dense) skip it.
    func backward(_ outputGradient: Tensor<Scalar>, needsInputGradient: Bool) throws(SpectralConvError) -> Tensor<Scalar>?

    /// The trainable tensors, each with its gradient from the last ``backward(_:)``.
    var parameters: [Parameter<Scalar>] { get }

    /// Non-trainable state that belongs in a checkpoint (BatchNorm's running statistics).
    var buffers: [Parameter<Scalar>] { get }

    /// Redraws every parameter from its initialiser and reseeds any random stream (dropout) from
    /// `generator`, so that one seed fixes a whole model.
    func reset(generator: inout SplitMix64)

    /// How the layer moves a receptive field: see ``SpatialEffect``.
    var spatialEffect: SpatialEffect { get }

    /// Forward floating-point operations for one sample of `inputShape` (multiply-add = 2).
    func forwardFlops(inputShape: [Int]) -> Double

    /// A structural copy for data-parallel training (see ``Sequential/replica(engine:)``): the same
    /// type, hyper-parameters and ``name``, its **own** ``Parameter`` objects (so gradients are its
    /// own) holding the same values (shared copy-on-write storage, no copy until one side writes),
    /// and empty caches. A convolution layer keeps its algorithm; its engine and a
    /// ``ParallelLayer``'s threads are set by the ``Sequential`` the copy is put in. Nil (the
    /// default) when the layer cannot be copied: the model then trains with layer-level threads only.
    func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)?
}

extension Layer {
    public func backward(_ outputGradient: Tensor<Scalar>, needsInputGradient: Bool) throws(SpectralConvError) -> Tensor<Scalar>? {
        try backward(outputGradient)
    }
    public var parameters: [Parameter<Scalar>] { [] }
    public var buffers: [Parameter<Scalar>] { [] }
    public func reset(generator: inout SplitMix64) {}
    public var spatialEffect: SpatialEffect { .identity }
    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? { nil }
    /// Default: one operation per output element.
    public func forwardFlops(inputShape: [Int]) -> Double {
        Double(((try? outputShape(forInputShape: inputShape)) ?? inputShape).reduce(1, *))
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// How a layer changes the receptive field of the units that follow it, per spatial axis, as the
/// number of the layer's input units that `n` neighbouring output units see together (see
/// ``ModelSummary``, which composes these from a unit back to the model's input).
public enum SpatialEffect: Sendable, Equatable {
    /// Elementwise or per-channel: the receptive field is unchanged (`n → n`).
    case identity
    /// A sliding window spanning `kernel` (dilation included) input units, moving by `stride`:
    /// `n → (n − 1)·s + k`.
    case window(kernel: SpatialPair, stride: SpatialPair)
    /// A transposed (fractionally strided) convolution: input units spread `stride` apart, each
    /// scattering a window of `kernel` (dilation included) output units. `n` neighbouring outputs
    /// see at most `n → ceil((n − 1 + k) / s)` neighbouring inputs (the worst alignment, away from the
    /// borders); one output unit sees `ceil(k / s)`.
    case transposedWindow(kernel: SpatialPair, stride: SpatialPair)
    /// Every output sees the whole input (Dense, Flatten followed by Dense).
    case global
}

/// A layer that runs a convolution through the toolkit's engine: its path can change between steps.
public protocol ConvolutionLayer<Scalar>: Layer {
    /// The convolution path used by the next forward and backward call.
    var algorithm: ConvolutionAlgorithm { get set }
    /// The engine that computes the convolution (its `threads` setting applies).
    var engine: ConvolutionEngine { get set }
}

/// A layer that draws from its own random stream during training (``Dropout``): checkpoints save
/// and restore ``randomState`` so a resumed run draws the same masks.
public protocol RandomStreamLayer: AnyObject {
    /// The stream's complete state (SplitMix64's `currentState`).
    var randomState: UInt64 { get set }
}

/// A layer that spreads its own loops (outside the convolution engine) over threads: Dense's
/// matrix products, the activations, pooling. Work is split so that results do not depend on the
/// thread count. ``Sequential`` sets ``parallelism`` from the engine it is given; a layer created
/// on its own uses the default engine's thread count.
public protocol ParallelLayer: AnyObject {
    /// The threads the layer's own loops may use.
    var parallelism: Parallelism { get set }
}
