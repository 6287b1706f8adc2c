import Foundation
import SpectralConv

/// Keras-style `fit` for a classification ``Sequential``: epochs of shuffled mini-batches, fused
/// softmax cross-entropy, an ``Optimizer`` step per batch, running loss/accuracy, validation after
/// each epoch, progress callbacks, a stop flag, and exact checkpoints (`Trainer+Checkpoint.swift`).
///
/// Determinism: the order of epoch `e` is ``Shuffle/permutation(count:seed:epoch:)`` with the
/// trainer's seed — a function of (seed, epoch) only, so resuming at any batch reproduces the
/// uninterrupted run; the data function receives (epoch, batch) to seed augmentation the same way.
/// Validation data is whatever the caller passes (Keras' `validation_split` — the last fraction of
/// the training set, taken before shuffling — is the caller's split).
///
/// Threads: with `replicas` R > 1 every batch is split over R single-threaded copies of the model
/// (``DataParallelGroup``: one fork/join per batch, gradients summed in replica order) — the same
/// mean-loss gradient as the whole batch up to rounding; the same seed and R give bit-identical runs.
/// Models whose training looks at the whole batch (batch norm, dropout), or with a layer that cannot
/// be copied, keep layer-level threads (the model's engine); ``dataParallelFallback`` says why.
/// With R = 1 the model's own layers run every step, each spreading its loops over the engine's threads.
public final class Trainer<Scalar: TensorScalar> {
    /// The model being trained.
    public let model: Sequential<Scalar>
    /// Its optimiser.
    public let optimizer: Optimizer<Scalar>
    /// Samples per batch (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Seeds the per-epoch shuffles.
    public let seed: UInt64
    /// Whether to shuffle each epoch (Keras' `shuffle=True`).
    public var shuffle = true
    /// Where the run stands (finished epochs, the position in the current one, the history).
    public internal(set) var progress = TrainingProgress()
    /// Raised from outside to stop before the next batch.
    public let stopFlag: StopFlag
    /// Samples per batch of the validation pass (default `max(batchSize, 500)`). Evaluation mode
    /// keeps no batch statistics, so only the speed depends on it: larger batches spread each
    /// layer call's fixed costs over more images.
    public var evaluationBatchSize: Int
    /// The replicas that split each batch (nil: the model itself runs every step — R = 1, or the
    /// model cannot be split, see ``dataParallelFallback``). Evaluation uses it whenever it exists.
    public let dataParallel: DataParallelGroup<Scalar>?
    /// Why R > 1 replicas were asked for but training steps run on the model with layer-level
    /// threads (nil otherwise). Evaluation may still be split (``dataParallel``).
    public let dataParallelFallback: String?

    /// How ``fit(training:validation:epochs:onBatch:onEpoch:)`` ended.
    public enum Outcome: Sendable, Equatable {
        /// Every requested epoch finished.
        case completed
        /// The stop flag was raised; ``progress`` says where (a checkpoint resumes exactly there).
        case interrupted
    }

    /// - Parameters:
    ///   - replicas: R, the copies of the model that split every batch (1: no copies, the model's
    ///     layers use its engine's threads). Use the thread count for data-parallel training.
    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a batch size or replica count below 1.
    public init(model: Sequential<Scalar>, optimizer: Optimizer<Scalar>, batchSize: Int, seed: UInt64 = 0,
                stopFlag: StopFlag = StopFlag(), replicas: Int = 1) throws(SpectralConvError) {
        guard batchSize >= 1 else { throw .invalidArgument("batch size must be at least 1, got \(batchSize)") }
        guard replicas >= 1 else { throw .invalidArgument("replicas must be at least 1, got \(replicas)") }
        if replicas > 1 {
            do {
                let group = try DataParallelGroup(model: model, replicas: replicas)
                dataParallel = group
                dataParallelFallback = group.trainingRestriction
            } catch {
                dataParallel = nil
                dataParallelFallback = error.description
            }
        } else {
            dataParallel = nil
            dataParallelFallback = nil
        }
        self.model = model
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.seed = seed
        self.stopFlag = stopFlag
        self.evaluationBatchSize = max(batchSize, 500)
    }

    /// The metrics of the finished epochs.
    public var history: [EpochMetrics] { progress.history }

    /// Trains until `epochs` epochs (counting those already finished, like Keras' `initial_epoch`)
    /// are done or the stop flag is raised.
    /// - Parameters:
    ///   - onBatch: called after every batch with the epoch's running metrics.
    ///   - onEpoch: called after every epoch, after ``progress`` records it (write checkpoints here).
    /// - Throws: ``SpectralConvError`` from the data, the model or a callback; an empty training set.
    @discardableResult
    public func fit(training: TrainingData<Scalar>, validation: TrainingData<Scalar>? = nil, epochs: Int,
                    onBatch: ((BatchProgress) -> Void)? = nil,
                    onEpoch: ((EpochMetrics) throws(SpectralConvError) -> Void)? = nil) throws(SpectralConvError) -> Outcome {
        guard training.count > 0 else { throw .invalidArgument("the training set is empty") }
        let batchCount = (training.count + batchSize - 1) / batchSize
        let layerCount = model.endsInSoftmax ? model.layers.count - 1 : model.layers.count
        while progress.epochsCompleted < epochs {
            let epoch = progress.epochsCompleted
            let order = shuffle ? Shuffle.permutation(count: training.count, seed: seed, epoch: epoch) : Array(0..<training.count)
            let start = DispatchTime.now().uptimeNanoseconds
            let secondsBefore = progress.seconds
            func elapsed() -> Double { secondsBefore + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            while progress.batchesCompleted < batchCount {
                if stopFlag.isRaised {
                    progress.seconds = elapsed()
                    return .interrupted
                }
                let b = progress.batchesCompleted
                let indices = Array(order[(b * batchSize)..<min((b + 1) * batchSize, training.count)])
                let (input, labels) = try training.batch(indices, epoch, b)
                let step = try computeGradients(input: input, labels: labels, layerCount: layerCount)
                try optimizer.update(model.namedParameters)
                progress.lossSum += step.lossSum
                progress.correct += step.correct
                progress.seen += labels.count
                progress.batchesCompleted += 1
                onBatch?(BatchProgress(epoch: epoch + 1, epochs: epochs, batch: progress.batchesCompleted, batchCount: batchCount,
                                       loss: progress.lossSum / Double(progress.seen),
                                       accuracy: Double(progress.correct) / Double(progress.seen), seconds: elapsed()))
            }
            var metrics = EpochMetrics(epoch: epoch + 1, loss: progress.lossSum / Double(max(progress.seen, 1)),
                                       accuracy: Double(progress.correct) / Double(max(progress.seen, 1)),
                                       valLoss: nil, valAccuracy: nil, seconds: 0)
            if let validation, validation.count > 0 {
                let result = try evaluate(data: validation)
                metrics.valLoss = result.loss
                metrics.valAccuracy = result.accuracy
            }
            metrics.seconds = elapsed()
            progress.history.append(metrics)
            progress.epochsCompleted += 1
            progress.batchesCompleted = 0
            progress.lossSum = 0
            progress.correct = 0
            progress.seen = 0
            progress.seconds = 0
            try onEpoch?(metrics)
        }
        return .completed
    }

    /// The result of running a model over a data set in evaluation mode.
    public struct Evaluation: Sendable {
        /// Mean softmax cross-entropy.
        public let loss: Double
        /// Fraction of arg-max predictions equal to the label.
        public let accuracy: Double
        /// Every sample's predicted class, in data order.
        public let predictions: [Int]
        /// Every sample's label, in data order.
        public let labels: [Int]
    }

    /// One batch's gradients into the model's parameters: split over ``dataParallel`` when training
    /// may be split, on the model itself otherwise. Returns the summed loss and the correct count.
    func computeGradients(input: Tensor<Scalar>, labels: [Int], layerCount: Int) throws(SpectralConvError) -> DataParallelGroup<Scalar>.StepResult {
        if let dataParallel, dataParallelFallback == nil {
            return try dataParallel.computeGradients(input: input, labels: labels, layerCount: layerCount)
        }
        let logits = try model.forward(input, through: layerCount, training: true)
        let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        let correct = Self.correctCount(logits, labels)
        _ = try model.backward(loss.gradient, from: layerCount, needsInputGradient: false)
        return DataParallelGroup.StepResult(lossSum: loss.value * Double(labels.count), correct: correct)
    }

    /// Runs the model over `data` in order, in evaluation mode, in batches of ``evaluationBatchSize``
    /// split over ``dataParallel`` when there is one.
    public func evaluate(data: TrainingData<Scalar>) throws(SpectralConvError) -> Evaluation {
        try Self.evaluate(model: model, data: data, batchSize: evaluationBatchSize, group: dataParallel)
    }

    /// Runs `model` over `data` in order, in evaluation mode (dropout off, batch norm on running
    /// statistics), each batch split over `replicas` single-threaded copies of the model when R > 1
    /// and the model can be copied (predictions are per sample, so only the loss's rounding depends on R).
    public static func evaluate(model: Sequential<Scalar>, data: TrainingData<Scalar>, batchSize: Int,
                                replicas: Int = 1) throws(SpectralConvError) -> Evaluation {
        let group = replicas > 1 ? try? DataParallelGroup(model: model, replicas: replicas) : nil
        return try evaluate(model: model, data: data, batchSize: batchSize, group: group)
    }

    static func evaluate(model: Sequential<Scalar>, data: TrainingData<Scalar>, batchSize: Int,
                         group: DataParallelGroup<Scalar>?) throws(SpectralConvError) -> Evaluation {
        guard data.count > 0 else { throw .invalidArgument("cannot evaluate on an empty data set") }
        let size = max(batchSize, 1)
        let layerCount = model.endsInSoftmax ? model.layers.count - 1 : model.layers.count
        var lossSum = 0.0, predictions: [Int] = [], labels: [Int] = []
        predictions.reserveCapacity(data.count)
        labels.reserveCapacity(data.count)
        var start = 0, batch = 0
        while start < data.count {
            let indices = Array(start..<min(start + size, data.count))
            let (input, batchLabels) = try data.batch(indices, 0, batch)
            if let group {
                let result = try group.evaluate(input: input, labels: batchLabels, layerCount: layerCount)
                lossSum += result.lossSum
                predictions += result.predictions
            } else {
                let logits = try model.forward(input, through: layerCount, training: false)
                lossSum += try SoftmaxCrossEntropy.evaluate(logits: logits, labels: batchLabels).value * Double(batchLabels.count)
                predictions += argmax(logits)
            }
            labels += batchLabels
            start += size
            batch += 1
        }
        let correct = zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Evaluation(loss: lossSum / Double(labels.count), accuracy: Double(correct) / Double(labels.count),
                          predictions: predictions, labels: labels)
    }

    /// The first arg-max of each row of `[N, K]` scores.
    static func argmax(_ scores: Tensor<Scalar>) -> [Int] {
        let classes = scores.shape[1]
        return scores.withUnsafeBufferPointer { values in
            (0..<scores.shape[0]).map { row in
                var best = 0
                for k in 1..<classes where values[row * classes + k] > values[row * classes + best] { best = k }
                return best
            }
        }
    }

    static func correctCount(_ scores: Tensor<Scalar>, _ labels: [Int]) -> Int {
        zip(argmax(scores), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
    }
}
