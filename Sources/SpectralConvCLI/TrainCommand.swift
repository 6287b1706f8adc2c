import ArgumentParser
import Dispatch
import Foundation
import SpectralAnalysis
import SpectralConv
import SpectralNN
import SpectralData

/// `spectralconv train`: Keras-style training with a run directory (config, history, checkpoints,
/// spectra of the convolution kernels per epoch). The loop itself is SpectralNN's `Trainer`; this
/// file wires data, files, progress and Ctrl-C.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on an image-classification data set (default: Fashion-MNIST).")

    @Option(help: "Model: a built-in name (seed) or FILE.json / FILE.yaml listing layers.")
    var model: String = "seed"
    @Option(help: "Epochs in total (with --resume: the total to reach; default 10, or the run's).")
    var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Samples per batch.")
    var batchSize: Int = 100
    @Option(help: "Optimizer: sgd, adam, adagrad, adadelta.")
    var optimizer: String = "sgd"
    @Option(help: "Learning rate (default: sgd 0.05, adam 0.001, adagrad 0.01, adadelta 1.0).")
    var lr: Double?
    @Option(help: "SGD momentum.")
    var momentum: Double = 0.9
    @Option(help: "SGD Nesterov momentum (true/false).")
    var nesterov: Bool = true
    @Option(help: "Time-based learning-rate decay (Keras: lr / (1 + decay·iterations)).")
    var decay: Double = 1e-6
    @Option(help: "Convolution path: direct, im2col, fft, auto, autotune (times the paths once per layer shape, cached).")
    var algorithm: String = "auto"
    @Option(name: .customLong("validation-split"), help: "Fraction of the training set held out (its last part, before shuffling).")
    var validationSplit: Double = 0.2
    @Option(help: "Seed for initialisation, shuffling and augmentation.")
    var seed: UInt64 = 0
    @Option(help: "Threads (default: all cores).")
    var threads: Int?
    @Option(help: ArgumentHelp("How threads are used: batch (one model replica per thread, each batch split between them) or layers (every layer splits its own loops).",
                               discussion: "Models with batch norm or dropout always use layers."))
    var parallelism: String = "batch"
    @Option(help: "Train on the first N images only.")
    var limit: Int?
    @Option(help: "MNIST-format folder (default: Debian's Fashion-MNIST).")
    var data: String?
    @Option(name: .customLong("npy-images"), help: "Training images .npy (N×H×W or N×C×H×W).")
    var npyImages: String?
    @Option(name: .customLong("npy-labels"), help: "Training labels .npy (N).")
    var npyLabels: String?
    @Option(name: .customLong("npy-test-images"), help: "Test images .npy.")
    var npyTestImages: String?
    @Option(name: .customLong("npy-test-labels"), help: "Test labels .npy.")
    var npyTestLabels: String?
    @Flag(name: .customLong("featurewise-center")) var featurewiseCenter = false
    @Flag(name: .customLong("featurewise-std-normalization")) var featurewiseStdNormalization = false
    @Option(name: .customLong("rotation-range"), help: "Random rotations in ±degrees.") var rotationRange: Double = 0
    @Option(name: .customLong("width-shift-range"), help: "Random horizontal shifts, fraction of the width.") var widthShiftRange: Double = 0
    @Option(name: .customLong("height-shift-range"), help: "Random vertical shifts, fraction of the height.") var heightShiftRange: Double = 0
    @Flag(name: .customLong("horizontal-flip")) var horizontalFlip = false
    @Flag(name: .customLong("vertical-flip")) var verticalFlip = false
    @Option(help: "Run directory (config.json, history.json/.csv, checkpoints, spectra.jsonl).")
    var out: String
    @Flag(help: "Continue the run in --out from its last checkpoint (its config.json applies; --epochs may raise the total).")
    var resume = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if (npyImages == nil) != (npyLabels == nil) { throw ValidationError("--npy-images and --npy-labels go together") }
        if !(0..<1).contains(validationSplit) { throw ValidationError("--validation-split must be in [0, 1)") }
    }

    func makeConfiguration() throws(SpectralConvError) -> RunConfiguration {
        let description: ModelDescription
        if ModelRegistry.names.contains(model) {
            description = ModelDescription(name: model)
        } else {
            guard let bytes = FileManager.default.contents(atPath: model) else {
                throw .io(path: model, reason: "cannot read the model file (built-in models: \(ModelRegistry.names.joined(separator: ", ")))")
            }
            description = try ModelDescription.decode(bytes, path: model)
        }
        let defaults = ["sgd": 0.05, "adam": 0.001, "adagrad": 0.01, "adadelta": 1.0]
        guard let defaultRate = defaults[optimizer] else { throw .invalidArgument("unknown optimizer '\(optimizer)'; expected sgd, adam, adagrad or adadelta") }
        var augmentation = ImageAugmentation()
        augmentation.featurewiseCenter = featurewiseCenter
        augmentation.featurewiseStdNormalization = featurewiseStdNormalization
        augmentation.rotationRange = rotationRange
        augmentation.widthShiftRange = widthShiftRange
        augmentation.heightShiftRange = heightShiftRange
        augmentation.horizontalFlip = horizontalFlip
        augmentation.verticalFlip = verticalFlip
        let configuration = RunConfiguration(
            model: description, modelSource: model, epochs: epochs ?? 10, batchSize: batchSize, optimizer: optimizer,
            learningRate: lr ?? defaultRate, momentum: momentum, nesterov: nesterov, decay: decay, algorithm: algorithm.lowercased(),
            validationSplit: validationSplit, seed: seed, threads: threads, parallelism: parallelism.lowercased(), augmentation: augmentation, limit: limit, data: data,
            npyImages: npyImages, npyLabels: npyLabels, npyTestImages: npyTestImages, npyTestLabels: npyTestLabels)
        _ = try configuration.parsedAlgorithm()
        _ = try configuration.makeOptimizer()
        _ = try configuration.replicas(threads: 1)
        return configuration
    }

    func run() throws {
        AllocatorTuning.keepFreedMemoryForReuse()
        var configuration: RunConfiguration
        if resume {
            configuration = try RunConfiguration.read(runDirectory: out)
            if let epochs { configuration.epochs = epochs }
        } else {
            configuration = try makeConfiguration()
            if FileManager.default.fileExists(atPath: RunFiles.checkpoint(out)) {
                throw SpectralConvError.invalidArgument("\(out) already holds a run; use --resume to continue it or another --out")
            }
            try RunFiles.makeDirectory(out)
            try configuration.write(runDirectory: out)
        }
        try RunFiles.makeDirectory(out + "/checkpoints")
        let terminal = isatty(STDOUT_FILENO) == 1
        try TrainingSession(configuration: configuration, runDirectory: out, resume: resume, terminal: terminal).run()
    }
}

/// One `train` invocation: builds everything from a configuration, trains, writes the run files.
struct TrainingSession {
    let configuration: RunConfiguration
    let runDirectory: String
    let resume: Bool
    let terminal: Bool
    var log: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }

    func run() throws(SpectralConvError) {
        let (training, validation, augmentation) = try configuration.prepareTraining()
        let engine = try configuration.makeEngine()
        let network: Sequential<Float> = try configuration.model.build(inputShape: training.imageShape,
                                                                       seed: configuration.seed, engine: engine)
        network.setAlgorithm(try configuration.parsedAlgorithm())
        let stop = StopFlag()
        let trainer = try Trainer(model: network, optimizer: try configuration.makeOptimizer(), batchSize: configuration.batchSize,
                                  seed: configuration.seed, stopFlag: stop, replicas: try configuration.replicas(threads: engine.threads))
        if let reason = trainer.dataParallelFallback {
            log("threads: layer-level, not batch-level: \(reason)")
        }
        if resume {
            try trainer.restoreCheckpoint(from: RunFiles.checkpoint(runDirectory))
            try SpectraLog.truncate(RunFiles.spectra(runDirectory), after: trainer.progress.epochsCompleted)
            log("resuming \(runDirectory) at epoch \(trainer.progress.epochsCompleted + 1), batch \(trainer.progress.batchesCompleted + 1)")
        } else {
            try SpectraLog.record(network, epoch: 0, to: RunFiles.spectra(runDirectory), truncate: true)
        }
        if terminal {
            log(network.summary(name: configuration.modelSource).text)
            log("training on \(training.count) samples, validating on \(validation.count); \(configuration.optimizer) lr \(configuration.learningRate), batch \(configuration.batchSize), algorithm \(configuration.algorithm), threads \(engine.threads) (\(Self.parallelismDescription(trainer, threads: engine.threads)))")
        }
        // Ctrl-C: raise the stop flag; the trainer stops before its next batch and we checkpoint.
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stop.raise() }
        source.resume()
        defer { source.cancel(); signal(SIGINT, SIG_DFL) }

        let trainData = RunFiles.trainingData(training, augmentation: augmentation, augment: true, seed: configuration.seed)
        let validationData = validation.count > 0 ? RunFiles.trainingData(validation, augmentation: augmentation, augment: false, seed: 0) : nil
        let bar = ProgressBar(enabled: terminal)
        let run = runDirectory
        let outcome = try trainer.fit(training: trainData, validation: validationData, epochs: configuration.epochs,
                                      onBatch: { bar.update($0) },
                                      onEpoch: { metrics throws(SpectralConvError) in
            bar.finish()
            try trainer.saveCheckpoint(to: RunFiles.checkpoint(run))
            try trainer.saveCheckpoint(to: RunFiles.epochCheckpoint(run, epoch: metrics.epoch))
            try Self.writeHistory(TrainingHistory(epochs: trainer.history), run: run)
            try SpectraLog.record(network, epoch: metrics.epoch, to: RunFiles.spectra(run), truncate: false)
            log(Self.epochLine(metrics, epochs: configuration.epochs))
        })
        if outcome == .interrupted {
            bar.finish()
            try trainer.saveCheckpoint(to: RunFiles.checkpoint(run))
            try Self.writeHistory(TrainingHistory(epochs: trainer.history), run: run)
            log("interrupted at epoch \(trainer.progress.epochsCompleted + 1), batch \(trainer.progress.batchesCompleted); checkpoint saved — continue with: spectralconv train --out \(run) --resume")
            return
        }
        var history = TrainingHistory(epochs: trainer.history)
        if let test = try configuration.loadTestSet(), test.count > 0 {
            let result = try trainer.evaluate(data: RunFiles.trainingData(test, augmentation: augmentation, augment: false, seed: 0))
            history.testAccuracy = result.accuracy
            log(String(format: "test accuracy %.4f (loss %.4f) on %d images", result.accuracy, result.loss, test.count))
        }
        try Self.writeHistory(history, run: run)
    }

    /// How the run uses its threads, for the start-up line.
    static func parallelismDescription(_ trainer: Trainer<Float>, threads: Int) -> String {
        guard threads > 1 else { return "single-threaded" }
        if trainer.dataParallel != nil && trainer.dataParallelFallback == nil { return "\(threads) replicas, each batch split between them" }
        return "layer-level"
    }

    static func writeHistory(_ history: TrainingHistory, run: String) throws(SpectralConvError) {
        try RunFiles.write(Array(history.json.utf8), to: RunFiles.history(run))
        try RunFiles.write(Array(history.csv.utf8), to: RunFiles.historyCSV(run))
    }

    static func epochLine(_ m: EpochMetrics, epochs: Int) -> String {
        var line = String(format: "epoch %d/%d - %.2fs - loss %.4f - accuracy %.4f", m.epoch, epochs, m.seconds, m.loss, m.accuracy)
        if let valLoss = m.valLoss, let valAccuracy = m.valAccuracy {
            line += String(format: " - val_loss %.4f - val_accuracy %.4f", valLoss, valAccuracy)
        }
        return line
    }
}

/// The per-epoch progress bar on a terminal (redrawn at most ten times a second).
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    private var lastDraw = 0.0
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: BatchProgress) {
        guard enabled else { return }
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        guard p.batch == p.batchCount || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let width = 30
        let filled = width * p.batch / max(p.batchCount, 1)
        let bar = String(repeating: "=", count: max(filled - 1, 0)) + (filled > 0 ? (p.batch == p.batchCount ? "=" : ">") : "")
            + String(repeating: ".", count: width - filled)
        let eta = p.seconds / Double(p.batch) * Double(p.batchCount - p.batch)
        let text = String(format: "\r\u{1B}[2KEpoch %d/%d %d/%d [%@] ETA %.0fs - loss %.4f - accuracy %.4f",
                          p.epoch, p.epochs, p.batch, p.batchCount, bar, eta, p.loss, p.accuracy)
        FileHandle.standardOutput.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        drawn = false
    }
}

/// `spectra.jsonl`: one ``LayerSpectraRecord`` line per convolution layer per epoch (epoch 0 = the
/// initial kernels). Computed here, in the CLI, so SpectralNN does not depend on SpectralAnalysis.
enum SpectraLog {
    static func record(_ model: Sequential<Float>, epoch: Int, to path: String, truncate: Bool) throws(SpectralConvError) {
        var text = ""
        for layer in model.layers where layer is any ConvolutionLayer {
            guard let weight = layer.parameters.first(where: { $0.name == "weight" }) else { continue }
            text += try LayerSpectraRecord(epoch: epoch, layer: layer.name, weights: weight.value.converted(to: Double.self)).jsonLine() + "\n"
        }
        try append(text, to: path, truncate: truncate)
    }

    /// Drops lines of epochs after `epoch` (written after the last checkpoint, before a crash).
    static func truncate(_ path: String, after epoch: Int) throws(SpectralConvError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let record = try? JSONDecoder().decode(LayerSpectraRecord.self, from: Data(line.utf8)) else { return false }
            return record.epoch <= epoch
        }
        try RunFiles.write(Array((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: path)
    }

    static func append(_ text: String, to path: String, truncate: Bool) throws(SpectralConvError) {
        if truncate || !FileManager.default.fileExists(atPath: path) {
            try RunFiles.write(Array(text.utf8), to: path)
            return
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw .io(path: path, reason: "cannot open for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch { throw .io(path: path, reason: "cannot append: \(error.localizedDescription)") }
    }
}
