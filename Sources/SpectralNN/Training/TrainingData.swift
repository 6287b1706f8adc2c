import SpectralConv

/// Where a ``Trainer`` gets its samples: a count and a function returning the batch for a list of
/// sample indices. The trainer does not know about files or augmentation; the caller's function
/// may augment, seeding from the `epoch` (0-based) and `batch` (index within the epoch) it is given,
/// so that a resumed run draws exactly what an uninterrupted one would.
public struct TrainingData<Scalar: TensorScalar> {
    /// The number of samples.
    public let count: Int
    /// `(indices, epoch, batch) → (images [N, …], labels)` for the samples at `indices`, in that order.
    public let batch: (_ indices: [Int], _ epoch: Int, _ batch: Int) throws(SpectralConvError) -> (input: Tensor<Scalar>, labels: [Int])

    public init(count: Int,
                batch: @escaping (_ indices: [Int], _ epoch: Int, _ batch: Int) throws(SpectralConvError) -> (input: Tensor<Scalar>, labels: [Int])) {
        self.count = count
        self.batch = batch
    }

    /// In-memory data: `inputs` `[N, …]` and N labels; batches are gathered rows (no augmentation).
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the label count is not N.
    public init(inputs: Tensor<Scalar>, labels: [Int]) throws(SpectralConvError) {
        guard inputs.rank >= 1, inputs.shape[0] == labels.count else {
            throw .invalidShape("training data: \(labels.count) labels for inputs of shape \(inputs.shape)")
        }
        let sampleShape = Array(inputs.shape.dropFirst())
        let size = sampleShape.reduce(1, *)
        self.init(count: labels.count) { indices, _, _ throws(SpectralConvError) in
            var scalars = [Scalar]()
            scalars.reserveCapacity(indices.count * size)
            inputs.withUnsafeBufferPointer { buffer in
                for index in indices { scalars.append(contentsOf: buffer[(index * size)..<((index + 1) * size)]) }
            }
            return (try Tensor(shape: [indices.count] + sampleShape, scalars: scalars), indices.map { labels[$0] })
        }
    }
}

/// Metrics of one finished epoch (Keras' `History`): training loss and accuracy are running means
/// over the epoch's batches (each measured before that batch's update); validation metrics, when
/// there is validation data, are measured after the epoch in evaluation mode.
public struct EpochMetrics: Codable, Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    /// Wall-clock seconds of the epoch (training and validation).
    public var seconds: Double

    public init(epoch: Int, loss: Double, accuracy: Double, valLoss: Double?, valAccuracy: Double?, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch, loss, accuracy, valLoss = "val_loss", valAccuracy = "val_accuracy", seconds
    }
}

/// Where a training run stands: finished epochs, the position inside the current epoch and its
/// running sums, and the finished epochs' metrics — everything besides weights and optimiser state
/// that an exact resume needs.
public struct TrainingProgress: Codable, Sendable, Equatable {
    /// Epochs finished.
    public var epochsCompleted = 0
    /// Batches of the current (unfinished) epoch already applied.
    public var batchesCompleted = 0
    /// Sum of per-batch mean losses × batch size over the current epoch's applied batches.
    public var lossSum = 0.0
    /// Correct predictions over the current epoch's applied batches.
    public var correct = 0
    /// Samples over the current epoch's applied batches.
    public var seen = 0
    /// Seconds spent in the current epoch so far.
    public var seconds = 0.0
    /// Metrics of the finished epochs.
    public var history: [EpochMetrics] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochsCompleted = "epochs_completed", batchesCompleted = "batches_completed", lossSum = "loss_sum", correct, seen, seconds, history
    }
}

/// What a progress callback sees after each batch.
public struct BatchProgress: Sendable {
    /// 1-based epoch and the run's total.
    public let epoch: Int, epochs: Int
    /// Batches applied in this epoch (1-based after the first) and the epoch's batch count.
    public let batch: Int, batchCount: Int
    /// Running mean loss and accuracy of the epoch so far.
    public let loss: Double, accuracy: Double
    /// Seconds since the epoch started.
    public let seconds: Double
}
