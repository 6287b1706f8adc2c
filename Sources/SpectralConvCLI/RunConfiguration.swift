import Foundation
import SpectralConv
import SpectralNN
import SpectralData

/// A run directory's `config.json`: everything `train --resume` and `evaluate` need to rebuild the
/// run (the model as a ``ModelDescription``, so the run does not depend on the model file later).
struct RunConfiguration: Codable {
    var model: ModelDescription
    var modelSource: String
    var epochs: Int
    var batchSize: Int
    var optimizer: String
    var learningRate: Double
    var momentum: Double
    var nesterov: Bool
    var decay: Double
    var algorithm: String
    var validationSplit: Double
    var seed: UInt64
    var threads: Int?
    /// How the threads are used: `batch` (data-parallel replicas, the default; nil in older run
    /// directories means the same) or `layers` (each layer splits its own loops).
    var parallelism: String?
    var augmentation: ImageAugmentation
    var limit: Int?
    var data: String?
    var npyImages: String?
    var npyLabels: String?
    var npyTestImages: String?
    var npyTestLabels: String?

    enum CodingKeys: String, CodingKey {
        case model, modelSource = "model_source", epochs, batchSize = "batch_size", optimizer, learningRate = "learning_rate", momentum,
             nesterov, decay, algorithm, validationSplit = "validation_split", seed, threads, parallelism, augmentation, limit, data,
             npyImages = "npy_images", npyLabels = "npy_labels", npyTestImages = "npy_test_images", npyTestLabels = "npy_test_labels"
    }

    static func read(runDirectory: String) throws(SpectralConvError) -> RunConfiguration {
        let path = runDirectory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read (is \(runDirectory) a run directory?)") }
        do { return try JSONDecoder().decode(RunConfiguration.self, from: data) } catch {
            throw .invalidFormat(path: path, reason: "not a run configuration: \(error)")
        }
    }

    func write(runDirectory: String) throws(SpectralConvError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw .invalidArgument("cannot encode the run configuration") }
        try RunFiles.write(Array(data) + [0x0A], to: runDirectory + "/config.json")
    }

    func makeOptimizer() throws(SpectralConvError) -> Optimizer<Float> {
        switch optimizer {
        case "sgd": return try SGD(learningRate: learningRate, momentum: momentum, decay: decay, nesterov: nesterov)
        case "adam": return try Adam(learningRate: learningRate, decay: decay)
        case "adagrad": return try Adagrad(learningRate: learningRate, decay: decay)
        case "adadelta": return try Adadelta(learningRate: learningRate, decay: decay)
        default: throw .invalidArgument("unknown optimizer '\(optimizer)'; expected sgd, adam, adagrad or adadelta")
        }
    }

    /// The training split (first `limit` images), before the validation split.
    func loadTrainingSet() throws(SpectralConvError) -> LabeledImages {
        if let npyImages, let npyLabels { return try ImageDataset.loadNPY(images: npyImages, labels: npyLabels, limit: limit) }
        return try ImageDataset.loadMNISTFormat(directory: data ?? ImageDataset.defaultFashionMNISTDirectory, split: .train, limit: limit)
    }

    /// The test split, or nil for .npy training data without test files.
    func loadTestSet() throws(SpectralConvError) -> LabeledImages? {
        if npyImages != nil {
            guard let npyTestImages, let npyTestLabels else { return nil }
            return try ImageDataset.loadNPY(images: npyTestImages, labels: npyTestLabels, limit: nil)
        }
        return try ImageDataset.loadMNISTFormat(directory: data ?? ImageDataset.defaultFashionMNISTDirectory, split: .test, limit: nil)
    }

    /// Training and validation sets (Keras: the last fraction, before shuffling) and the fitted augmentation.
    func prepareTraining() throws(SpectralConvError) -> (training: LabeledImages, validation: LabeledImages, augmentation: ImageAugmentation) {
        let all = try loadTrainingSet()
        let (training, validation) = try ImageDataset.validationSplit(all, fraction: validationSplit)
        var augmentation = self.augmentation
        if augmentation.featurewiseCenter || augmentation.featurewiseStdNormalization { augmentation.fit(training.images) }
        return (training, validation, augmentation)
    }

    func makeEngine() throws(SpectralConvError) -> ConvolutionEngine { try ConvolutionEngine(threads: threads) }

    /// The trainer's replica count for `threads` threads: one per thread with `batch`
    /// parallelism, 1 (layer-level threads) with `layers`.
    func replicas(threads: Int) throws(SpectralConvError) -> Int {
        switch parallelism ?? "batch" {
        case "batch": return threads
        case "layers": return 1
        default: throw .invalidArgument("unknown parallelism '\(parallelism ?? "")'; expected batch or layers")
        }
    }

    func parsedAlgorithm() throws(SpectralConvError) -> ConvolutionAlgorithm {
        guard let value = ConvolutionAlgorithm(rawValue: algorithm) else {
            throw .invalidArgument("unknown algorithm '\(algorithm)'; expected direct, im2col, fft, auto or autotune")
        }
        return value
    }
}

/// The files of a run directory.
enum RunFiles {
    static func checkpoint(_ run: String) -> String { run + "/checkpoint.safetensors" }
    static func epochCheckpoint(_ run: String, epoch: Int) -> String { run + "/checkpoints/epoch-\(String(format: "%04d", epoch)).safetensors" }
    static func history(_ run: String) -> String { run + "/history.json" }
    static func historyCSV(_ run: String) -> String { run + "/history.csv" }
    static func spectra(_ run: String) -> String { run + "/spectra.jsonl" }

    static func write(_ bytes: [UInt8], to path: String) throws(SpectralConvError) {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    static func makeDirectory(_ path: String) throws(SpectralConvError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io(path: path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// A data function over labelled images: gathered batch, augmented (seeded by run seed, epoch and
    /// batch) when `augment`, then standardised.
    static func trainingData(_ images: LabeledImages, augmentation: ImageAugmentation, augment: Bool, seed: UInt64) -> TrainingData<Float> {
        let randomAugmentation = augment && (augmentation.rotationRange != 0 || augmentation.widthShiftRange != 0 || augmentation.heightShiftRange != 0
            || augmentation.horizontalFlip || augmentation.verticalFlip)
        let standardize = augmentation.featurewiseCenter || augmentation.featurewiseStdNormalization
        return TrainingData(count: images.count) { indices, epoch, batch throws(SpectralConvError) in
            var (input, labels) = images.batch(indices: indices)
            if randomAugmentation {
                var mixer = SplitMix64(seed: seed ^ 0x4155_474D_454E_5421 ^ (UInt64(epoch) << 32) ^ UInt64(batch))
                var generator = SplitMix64(seed: mixer.next())
                input = augmentation.augment(input, using: &generator)
            }
            if standardize { input = augmentation.standardize(input) }
            return (input, labels)
        }
    }
}
