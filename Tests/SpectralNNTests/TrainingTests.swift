import Foundation
import Testing
import SpectralConv
import SpectralNN

/// The training loop, checkpoints and run files.
@Suite struct TrainingTests {
    /// Two Gaussian-ish blobs per class on a 1×6×6 image: class k brightens quadrant k.
    static func separable(count: Int, seed: UInt64) throws -> TrainingData<Float> {
        var generator = SplitMix64(seed: seed)
        var scalars: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let label = Int(generator.next() % 4)
            labels.append(label)
            for row in 0..<6 {
                for column in 0..<6 {
                    let quadrant = (row / 3) * 2 + column / 3
                    let noise = Float(Double(generator.next() >> 11) * 0x1p-53) * 0.3
                    scalars.append((quadrant == label ? 0.8 : 0.1) + noise)
                }
            }
        }
        return try TrainingData(inputs: Tensor(shape: [count, 1, 6, 6], scalars: scalars), labels: labels)
    }

    static func model(seed: UInt64 = 7, dropout: Bool = false) throws -> Sequential<Float> {
        var layers: [any Layer<Float>] = [try Conv2D(inputChannels: 1, outputChannels: 3, kernelSize: 3), Tanh(), Flatten()]
        if dropout { layers.append(try Dropout(rate: 0.2)) }
        layers += [try Dense(inputFeatures: 48, outputFeatures: 4), Softmax()]
        return try Sequential(inputShape: [1, 6, 6], layers: layers, seed: seed)
    }

    static func trainer(_ model: Sequential<Float>, stop: StopFlag = StopFlag()) throws -> Trainer<Float> {
        try Trainer(model: model, optimizer: SGD(learningRate: 0.05, momentum: 0.9, decay: 1e-6, nesterov: true), batchSize: 16, seed: 3, stopFlag: stop)
    }

    static func withoutSeconds(_ history: [EpochMetrics]) -> [EpochMetrics] {
        history.map { var m = $0; m.seconds = 0; return m }
    }

    @Test("a tiny separable problem is learnt: loss falls, accuracy high on held-out data")
    func learns() throws {
        let trainer = try Self.trainer(Self.model())
        let validation = try Self.separable(count: 64, seed: 99)
        #expect(try trainer.fit(training: Self.separable(count: 200, seed: 1), validation: validation, epochs: 6) == .completed)
        let history = trainer.history
        #expect(history.count == 6 && history.map(\.epoch) == Array(1...6))
        #expect(history.last!.loss < history.first!.loss)
        #expect(history.last!.accuracy > 0.9)
        #expect((history.last!.valAccuracy ?? 0) > 0.9)
    }

    @Test("same seed, same history; different seed, different history")
    func determinism() throws {
        func run(_ seed: UInt64) throws -> [EpochMetrics] {
            let trainer = try Self.trainer(Self.model(seed: seed, dropout: true))
            try trainer.fit(training: Self.separable(count: 80, seed: 1), epochs: 2)
            return Self.withoutSeconds(trainer.history)
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }

    @Test("resume continues identically: 2 epochs == 1 + checkpoint + 1, also from the middle of an epoch")
    func resume() throws {
        let data = try Self.separable(count: 80, seed: 1)
        let reference = try Self.trainer(Self.model(dropout: true))
        try reference.fit(training: data, epochs: 2)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }

        let first = try Self.trainer(Self.model(dropout: true))
        try first.fit(training: data, epochs: 1)
        try first.saveCheckpoint(to: path)
        let second = try Self.trainer(Self.model(seed: 12345, dropout: true))  // different init: the checkpoint must overwrite it
        try second.restoreCheckpoint(from: path)
        try second.fit(training: data, epochs: 2)
        #expect(Self.withoutSeconds(second.history) == Self.withoutSeconds(reference.history))
        #expect(second.model.namedParameters.map(\.parameter.value) == reference.model.namedParameters.map(\.parameter.value))

        // Interrupted after 3 batches of epoch 1 (the stop flag), saved, resumed.
        let stop = StopFlag()
        let interrupted = try Self.trainer(Self.model(dropout: true), stop: stop)
        var batches = 0
        #expect(try interrupted.fit(training: data, epochs: 2, onBatch: { _ in batches += 1; if batches == 3 { stop.raise() } }) == .interrupted)
        #expect(interrupted.progress.batchesCompleted == 3 && interrupted.progress.epochsCompleted == 0)
        try interrupted.saveCheckpoint(to: path)
        let resumed = try Self.trainer(Self.model(dropout: true))
        try resumed.restoreCheckpoint(from: path)
        #expect(try resumed.fit(training: data, epochs: 2) == .completed)
        #expect(Self.withoutSeconds(resumed.history) == Self.withoutSeconds(reference.history))
        #expect(resumed.model.namedParameters.map(\.parameter.value) == reference.model.namedParameters.map(\.parameter.value))
    }

    @Test("checkpoints: parameter names, F32 weights, F64 optimiser state, metadata; wrong model or file is a typed error")
    func checkpointLayout() throws {
        let trainer = try Self.trainer(Self.model())
        try trainer.fit(training: Self.separable(count: 32, seed: 1), epochs: 1)
        let file = try SafetensorsFile(bytes: trainer.checkpoint().encoded())
        #expect(file.entries["conv1.weight"]?.dtype == "F32" && file.entries["conv1.weight"]?.shape == [3, 1, 3, 3])
        #expect(file.entries["optimizer/dense1.weight/0"]?.dtype == "F64")
        #expect(file.metadata["format"] == "spectralconv-checkpoint-1" && file.metadata["optimizer_iterations"] == "2")
        #expect(try file.tensor(named: "dense1.bias", as: Float.self) == trainer.model.parameter(named: "dense1.bias")!.value)
        let other = try Trainer(model: Sequential<Float>(inputShape: [1, 6, 6], layers: [Flatten(), try Dense(inputFeatures: 36, outputFeatures: 4)]),
                                optimizer: SGD(learningRate: 0.05, momentum: 0.9, decay: 1e-6, nesterov: true), batchSize: 4)
        #expect(throws: SpectralConvError.self) { try other.restoreCheckpoint(file) }
        let plain = try SafetensorsFile(bytes: SafetensorsFile.encode([("w", Tensor<Float>(shape: [1]))]))
        #expect(throws: SpectralConvError.self) { try trainer.restoreCheckpoint(plain) }
    }

    @Test("history.json keys in order, nulls for missing values; history.csv same columns")
    func historyFormat() throws {
        let history = TrainingHistory(epochs: [
            EpochMetrics(epoch: 1, loss: 0.5, accuracy: 0.75, valLoss: 0.25, valAccuracy: 1, seconds: 2),
            EpochMetrics(epoch: 2, loss: 0.125, accuracy: 0.875, valLoss: nil, valAccuracy: nil, seconds: 1.5),
        ], testAccuracy: 0.9)
        let json = history.json
        #expect(json.contains(#"{"epoch": 1, "loss": 0.5, "accuracy": 0.75, "val_loss": 0.25, "val_accuracy": 1.0, "seconds": 2.0}"#))
        #expect(json.contains(#""val_loss": null"#) && json.hasSuffix("\"test_accuracy\": 0.9\n}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["epochs", "test_accuracy"])
        #expect(try TrainingHistory.decode(Data(json.utf8), path: "h") == history)
        #expect(history.csv == "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n1,0.5,0.75,0.25,1.0,2.0\n2,0.125,0.875,,,1.5\n")
        #expect(TrainingHistory(epochs: []).json == "{\n  \"epochs\": [],\n  \"test_accuracy\": null\n}\n")
    }

    @Test("confusion matrix: rows true, columns predicted; per-class accuracy; errors")
    func confusionMatrix() throws {
        let matrix = try ConfusionMatrix(classCount: 3, labels: [0, 0, 1, 1, 1, 2], predictions: [0, 1, 1, 1, 2, 2])
        #expect(matrix.counts == [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
        #expect(matrix.accuracy == 4.0 / 6)
        #expect(matrix.perClassAccuracy == [0.5, 2.0 / 3, 1])
        #expect(try ConfusionMatrix(classCount: 2, labels: [1], predictions: [1]).perClassAccuracy == [nil, 1])
        #expect(throws: SpectralConvError.self) { try ConfusionMatrix(classCount: 2, labels: [2], predictions: [0]) }
        #expect(throws: SpectralConvError.self) { try ConfusionMatrix(classCount: 2, labels: [1], predictions: []) }
        // evaluate + confusion on a tiny case: a fixed linear model predicting the brightest pixel.
        let dense = try Dense<Float>(inputFeatures: 2, outputFeatures: 2)
        dense.weight.value = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        dense.bias?.value = Tensor(shape: [2])
        let model = try Sequential<Float>(inputShape: [2], layers: [dense], seed: nil)
        let data = try TrainingData<Float>(inputs: Tensor(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 0, 0, 1]), labels: [0, 1, 1, 1])
        let result = try Trainer<Float>.evaluate(model: model, data: data, batchSize: 3)
        #expect(result.predictions == [0, 1, 0, 1] && result.accuracy == 0.75)
        #expect(try ConfusionMatrix(classCount: 2, labels: result.labels, predictions: result.predictions).counts == [[1, 0], [1, 2]])
    }

    @Test("model description JSON builds the layers; seed by name")
    func modelDescription() throws {
        let json = #"{"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 3, "activation": "relu"}, {"type": "maxpool2d"}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}"#
        let model: Sequential<Float> = try ModelDescription.decode(Data(json.utf8), path: "m.json").build(inputShape: nil, seed: 1)
        #expect(model.layers.map(\.name) == ["conv1", "relu1", "maxpool1", "flatten1", "dense1", "softmax1"])
        #expect(model.outputShape == [3])
        let seed: Sequential<Float> = try ModelDescription(name: "seed").build(inputShape: [1, 28, 28], seed: 0)
        #expect(seed.parameterCount == 35_754)
        #expect(throws: SpectralConvError.self) { try ModelDescription.decode(Data("{}".utf8), path: "m.json") }
    }

    @Test("YAML model files: docs/models/seed.yaml is the built-in seed network; YAML errors name the place")
    func yamlModelDescription() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/models/seed.yaml")
        let data = try Data(contentsOf: url)
        let written: Sequential<Float> = try ModelDescription.decode(data, path: url.path).build(inputShape: nil, seed: 0)
        let builtIn: Sequential<Float> = try ModelDescription(name: "seed").build(inputShape: [1, 28, 28], seed: 0)
        #expect(written.parameterCount == builtIn.parameterCount)
        #expect(written.layers.map { String(describing: type(of: $0)) } == builtIn.layers.map { String(describing: type(of: $0)) })
        #expect(written.outputShape == [10])
        let bad = "input_shape: [1, 8, 8]\nlayers:\n  - {type: conv2d, filters: four, kernel_size: 3}\n"
        do {
            _ = try ModelDescription.decode(Data(bad.utf8), path: "m.yml")
            Issue.record("a non-integer filter count must be rejected")
        } catch {
            #expect(error.description.contains("YAML"))
            #expect(error.description.contains("filters"))
        }
        let json = try ModelDescription.decode(Data(#"{"name": "seed"}"#.utf8), path: "model", syntax: .json)
        #expect(json.name == "seed")
    }
}
