import ArgumentParser
import Foundation
import SpectralConv
import SpectralNN
import SpectralData

/// `spectralconv evaluate RUN_DIR`: test accuracy, per-class accuracy and the confusion matrix of a
/// run's last checkpoint, on the test split its config.json names.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a training run's last checkpoint on the test split: accuracy, per-class accuracy, confusion matrix.")

    @Argument(help: "The run directory written by `spectralconv train --out`.")
    var runDirectory: String
    @Option(help: "Threads (default: the run's, or all cores).")
    var threads: Int?

    func run() throws {
        AllocatorTuning.keepFreedMemoryForReuse()
        var configuration = try RunConfiguration.read(runDirectory: runDirectory)
        if let threads { configuration.threads = threads }
        var augmentation = configuration.augmentation
        if augmentation.featurewiseCenter || augmentation.featurewiseStdNormalization {
            augmentation = try configuration.prepareTraining().augmentation
        }
        guard let test = try configuration.loadTestSet(), test.count > 0 else {
            throw SpectralConvError.invalidArgument("the run has no test split (for .npy data, train with --npy-test-images/--npy-test-labels)")
        }
        let engine = try configuration.makeEngine()
        let network: Sequential<Float> = try configuration.model.build(inputShape: test.imageShape, seed: configuration.seed,
                                                                       engine: engine)
        network.setAlgorithm(try configuration.parsedAlgorithm())
        try Trainer.loadWeights(into: network, from: RunFiles.checkpoint(runDirectory))
        let result = try Trainer.evaluate(model: network, data: RunFiles.trainingData(test, augmentation: augmentation, augment: false, seed: 0),
                                          batchSize: 500, replicas: try configuration.replicas(threads: engine.threads))
        let matrix = try ConfusionMatrix(classCount: max(test.classCount, network.outputShape.last ?? 1), labels: result.labels,
                                         predictions: result.predictions)
        print(String(format: "test accuracy %.4f (loss %.4f) on %d images", result.accuracy, result.loss, test.count))
        print("confusion matrix (rows: true class, columns: predicted class; acc: per-class accuracy)")
        print(matrix.table())
    }
}
