import SpectralConv

/// Data parallelism over the batch inside one process — PyTorch DDP's scheme on threads: R replicas
/// of a model, each single-threaded, each computing one contiguous shard of every batch.
///
/// **Training step** (``computeGradients(input:labels:layerCount:)``), for a batch of N samples:
/// 1. every replica takes the model's current weights (copy-on-write assignments: no copy) and
///    convolution paths;
/// 2. the batch is split into `P = min(R, N)` contiguous shards, shard `r` = samples
///    `⌊N·r/P⌋ ..< ⌊N·(r+1)/P⌋` (sizes differ by at most one);
/// 3. one fork/join (``Parallelism/forEachPartition(of:_:)``) runs forward, softmax cross-entropy and
///    backward of shard `r` on replica `r`. The loss gradient of a shard is divided by N, not by
///    its own size, so with `L = (1/N)·Σ_n ℓ_n` every parameter gradient is
///    `∂L/∂θ = Σ_r Σ_{n ∈ shard r} (1/N)·∂ℓ_n/∂θ` = the sum of the replicas' gradients;
/// 4. the model's gradients are set to that sum, taken in replica order `((g₀ + g₁) + g₂) + …`
///    (deterministic for a given R; another R rounds differently).
///
/// The caller then steps the optimiser on the model (which keeps all optimiser state, so
/// checkpoints are unchanged). Cost per batch: one fork/join, a gather of each shard's rows, and
/// `(P − 1)·|θ|` additions for the reduction (35,754 for the seed network) — against ~35 fork/joins
/// per batch when each layer splits its own loops over the threads.
///
/// **Semantics.** Layers that look at the whole batch in training — layers with buffers
/// (``BatchNorm2D``'s batch statistics and running averages) and layers with a random stream over the
/// batch (``Dropout``) — would compute something else per shard; for such models
/// ``trainingRestriction`` says why and the trainer keeps layer-level threads. Evaluation
/// (``evaluate(input:labels:layerCount:)``) is per-sample for every layer, so it is always split.
public final class DataParallelGroup<Scalar: TensorScalar> {
    /// The model whose weights are trained (it holds the parameters the optimiser updates).
    public let model: Sequential<Scalar>
    /// The R structural copies that compute the shards, each on its own one-thread engine.
    public let replicas: [Sequential<Scalar>]
    /// Why the training step must not be split (nil when it may): the first layer that uses batch
    /// statistics or a random stream over the batch.
    public let trainingRestriction: String?
    /// Per parameter: the model's and the replicas' (same qualified name, same order).
    private let parameterSets: [(model: Parameter<Scalar>, replicas: [Parameter<Scalar>])]
    private let bufferSets: [(model: Parameter<Scalar>, replicas: [Parameter<Scalar>])]
    private let convolutionSets: [(model: any ConvolutionLayer, replicas: [any ConvolutionLayer])]

    /// Builds `replicas` copies of `model` (see ``Sequential/replica(engine:)``), each on a new
    /// one-thread ``ConvolutionEngine`` with the FFT rigor, cost model and autotuner of the model's
    /// first convolution layer's engine (FFTW plans come from the process-wide cache).
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for fewer than 1 replica or a layer that
    ///   cannot be copied (``Layer/makeReplica()`` returned nil; the message names it).
    public init(model: Sequential<Scalar>, replicas count: Int) throws(SpectralConvError) {
        guard count >= 1 else { throw .invalidArgument("data parallelism needs at least 1 replica, got \(count)") }
        for layer in model.layers where try layer.makeReplica() == nil {
            throw .invalidArgument("layer \(layer.name) (\(layer.typeName)) cannot be replicated for data-parallel training")
        }
        let template = model.convolutionLayers.first?.engine
        var copies: [Sequential<Scalar>] = []
        for _ in 0..<count {
            let engine: ConvolutionEngine
            if let template {
                engine = try ConvolutionEngine(threads: 1, fftRigor: template.fftRigor, costModel: template.costModel,
                                               autotuner: template.autotuner)
            } else {
                engine = try ConvolutionEngine(threads: 1)
            }
            guard let copy = try model.replica(engine: engine) else {
                throw .invalidArgument("the model cannot be replicated for data-parallel training")
            }
            copies.append(copy)
        }
        self.model = model
        self.replicas = copies
        self.trainingRestriction = Self.restriction(of: model)
        let parameters = copies.map(\.namedParameters), buffers = copies.map(\.namedBuffers)
        parameterSets = model.namedParameters.enumerated().map { index, named in (named.parameter, parameters.map { $0[index].parameter }) }
        bufferSets = model.namedBuffers.enumerated().map { index, named in (named.parameter, buffers.map { $0[index].parameter }) }
        let convolutions = copies.map(\.convolutionLayers)
        convolutionSets = model.convolutionLayers.enumerated().map { index, layer in (layer, convolutions.map { $0[index] }) }
    }

    /// The number of replicas R.
    public var count: Int { replicas.count }

    /// The shard of replica `part` when `total` samples are split into `parts` (see the type's
    /// step 2): `⌊total·part/parts⌋ ..< ⌊total·(part+1)/parts⌋`.
    public static func shard(_ total: Int, part: Int, of parts: Int) -> Range<Int> {
        Parallelism.partition(total, part: part, of: parts)
    }

    /// Copies the model's current parameter and buffer values (shared copy-on-write) and each
    /// convolution layer's algorithm to every replica. Called at the start of every step, so
    /// weights restored from a checkpoint or changed by the caller are always picked up.
    public func synchronize() {
        for set in parameterSets + bufferSets {
            for replica in set.replicas { replica.value = set.model.value }
        }
        for set in convolutionSets {
            for replica in set.replicas { replica.algorithm = set.model.algorithm }
        }
    }

    /// What one batch's split step returns.
    public struct StepResult: Sendable {
        /// `Σ_r (shard r's mean loss)·|shard r|` = the batch's summed loss (its mean × N, up to rounding).
        public let lossSum: Double
        /// Samples whose arg-max logit is the label.
        public let correct: Int
    }

    /// Forward + softmax cross-entropy + backward of `input` split over the replicas (training
    /// mode, through the first `layerCount` layers: a final softmax is fused into the loss), then
    /// the model's gradients set to the sum of the replicas' (see the type's description).
    /// - Parameters:
    ///   - input: `[N] + inputShape`.
    ///   - labels: N class indices.
    /// - Throws: the first shard's error in replica order (shape, label), after every shard finished.
    public func computeGradients(input: Tensor<Scalar>, labels: [Int], layerCount: Int) throws(SpectralConvError) -> StepResult {
        let total = try Self.batchSize(input, labels)
        synchronize()
        let parts = min(count, total)
        let results = run(total: total, parts: parts) { replica, range throws(SpectralConvError) -> (Double, Int) in
            let logits = try replica.forward(Self.rows(range, of: input), through: layerCount, training: true)
            let shardLabels = Array(labels[range])
            let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: shardLabels, gradientDivisor: total)
            let correct = Trainer<Scalar>.correctCount(logits, shardLabels)
            _ = try replica.backward(loss.gradient, from: layerCount, needsInputGradient: false)
            return (loss.value * Double(range.count), correct)
        }
        var lossSum = 0.0, correct = 0
        for result in results {
            let (loss, hits) = try result.get()
            lossSum += loss
            correct += hits
        }
        for set in parameterSets {
            set.model.gradient = Self.sum(set.replicas.prefix(parts).map(\.gradient))
        }
        return StepResult(lossSum: lossSum, correct: correct)
    }

    /// The evaluation-mode forward pass (dropout off, batch norm on running statistics) of `input`
    /// split over the replicas: the summed softmax cross-entropy (`Σ_r mean_r·|shard r|`) and each
    /// sample's arg-max class in input order.
    public func evaluate(input: Tensor<Scalar>, labels: [Int], layerCount: Int) throws(SpectralConvError) -> (lossSum: Double, predictions: [Int]) {
        let total = try Self.batchSize(input, labels)
        synchronize()
        let results = run(total: total, parts: min(count, total)) { replica, range throws(SpectralConvError) -> (Double, [Int]) in
            let logits = try replica.forward(Self.rows(range, of: input), through: layerCount, training: false)
            let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: Array(labels[range]))
            return (loss.value * Double(range.count), Trainer<Scalar>.argmax(logits))
        }
        var lossSum = 0.0, predictions: [Int] = []
        predictions.reserveCapacity(total)
        for result in results {
            let (loss, classes) = try result.get()
            lossSum += loss
            predictions += classes
        }
        return (lossSum, predictions)
    }

    /// Runs `body(replica r, shard r)` for r in `0..<parts`, the shards of `total` samples,
    /// concurrently (one fork/join through ``Parallelism/forEachPartition(of:_:)``, whose parts are
    /// the shards) and returns the results in replica order. Each call touches only its own replica
    /// and its own result slot.
    private func run<T>(total: Int, parts: Int,
                        _ body: (Sequential<Scalar>, Range<Int>) throws(SpectralConvError) -> T) -> [Result<T, SpectralConvError>] {
        let slots = UnsafeMutableBufferPointer<Result<T, SpectralConvError>?>.allocate(capacity: parts)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        Parallelism(threads: parts).forEachPartition(of: total) { part, range in
            slots[part] = Result { () throws(SpectralConvError) -> T in try body(replicas[part], range) }
        }
        return slots.map { $0! }
    }

    /// N, the samples of a batch `input` `[N, …]` with N `labels`.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for an empty batch or a count mismatch.
    private static func batchSize(_ input: Tensor<Scalar>, _ labels: [Int]) throws(SpectralConvError) -> Int {
        guard input.rank >= 1, input.shape[0] == labels.count, !labels.isEmpty else {
            throw .invalidShape("\(labels.count) labels for a batch of shape \(input.shape)")
        }
        return labels.count
    }

    /// Rows `range` of a batch tensor `[N, …]` as a new tensor (one memory copy).
    static func rows(_ range: Range<Int>, of tensor: Tensor<Scalar>) -> Tensor<Scalar> {
        let rowSize = tensor.shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + tensor.shape.dropFirst(), unsafeUninitialized: { target in
            tensor.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = target.baseAddress, !range.isEmpty else { return }
                UnsafeMutableRawPointer(to).copyMemory(from: from + range.lowerBound * rowSize,
                                                       byteCount: range.count * rowSize * MemoryLayout<Scalar>.stride)
            }
        })
    }

    /// `((t₀ + t₁) + t₂) + …`, elementwise, in this order, specialised per precision.
    static func sum(_ tensors: [Tensor<Scalar>]) -> Tensor<Scalar> {
        var result = tensors[0]
        guard tensors.count > 1 else { return result }
        result.withUnsafeMutableBufferPointer { y in
            for tensor in tensors.dropFirst() {
                tensor.withUnsafeBufferPointer { x in
                    switch Scalar.precision {
                    case .single: accumulate(x.concrete(Float.self), into: y.concrete(Float.self))
                    case .double: accumulate(x.concrete(Double.self), into: y.concrete(Double.self))
                    }
                }
            }
        }
        return result
    }

    /// The first layer whose training behaviour depends on the whole batch, as a sentence.
    static func restriction(of model: Sequential<Scalar>) -> String? {
        for layer in model.layers {
            if layer is any RandomStreamLayer {
                return "layer \(layer.name) (\(layer.typeName)) draws one random stream over the whole batch"
            }
            if !layer.buffers.isEmpty {
                return "layer \(layer.name) (\(layer.typeName)) uses statistics of the whole batch"
            }
        }
        return nil
    }
}

/// `y += x` elementwise. Free functions with concrete types: a generic method of the generic group
/// ran through the runtime's `+=` witness (2.7% of a training run's time for 35k additions per batch).
private func accumulate(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
    for index in 0..<min(x.count, y.count) { y[index] += x[index] }
}

private func accumulate(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    for index in 0..<min(x.count, y.count) { y[index] += x[index] }
}
