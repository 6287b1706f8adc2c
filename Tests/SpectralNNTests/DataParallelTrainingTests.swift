import Foundation
import Testing
import SpectralConv
import SpectralNN

/// Batch-level (data-parallel) training: R replicas, one shard of every batch each.
@Suite struct DataParallelTrainingTests {
    /// A small network with every layer kind the seed network has (conv, tanh, max-pool, relu,
    /// flatten, dense, softmax) on 1×8×8 images, 4 classes.
    static func network<S: TensorScalar>(_: S.Type, seed: UInt64 = 5, algorithm: ConvolutionAlgorithm = .direct) throws -> Sequential<S> {
        let model = try Sequential<S>(inputShape: [1, 8, 8], layers: [
            try Conv2D(inputChannels: 1, outputChannels: 3, kernelSize: 3), Tanh(),
            try MaxPool2D(poolSize: 2),
            try Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 2), ReLU(),
            Flatten(),
            try Dense(inputFeatures: 16, outputFeatures: 6), Tanh(),
            try Dense(inputFeatures: 6, outputFeatures: 4), Softmax(),
        ], seed: seed)
        model.setAlgorithm(algorithm)
        return model
    }

    static func batch<S: TensorScalar>(_: S.Type, count: Int, seed: UInt64) throws -> (Tensor<S>, [Int]) {
        var generator = SplitMix64(seed: seed)
        let input = Tensor<S>(shape: [count, 1, 8, 8]) { _ in S(Double(generator.next() >> 11) * 0x1p-53 * 2 - 1) }
        let labels = (0..<count).map { _ in Int(generator.next() % 4) }
        return (input, labels)
    }

    static func data(count: Int, seed: UInt64) throws -> TrainingData<Float> {
        // Class k brightens quadrant k of the image, plus noise: learnable by the network above.
        var generator = SplitMix64(seed: seed)
        var scalars: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let label = Int(generator.next() % 4)
            labels.append(label)
            for row in 0..<8 {
                for column in 0..<8 {
                    let noise = Float(Double(generator.next() >> 11) * 0x1p-53) * 0.3
                    scalars.append(((row / 4) * 2 + column / 4 == label ? 0.8 : 0.1) + noise)
                }
            }
        }
        return try TrainingData(inputs: Tensor(shape: [count, 1, 8, 8], scalars: scalars), labels: labels)
    }

    static func trainer(_ model: Sequential<Float>, replicas: Int) throws -> Trainer<Float> {
        try Trainer(model: model, optimizer: SGD(learningRate: 0.05, momentum: 0.9, decay: 1e-6, nesterov: true),
                    batchSize: 16, seed: 3, replicas: replicas)
    }

    static func withoutSeconds(_ history: [EpochMetrics]) -> [EpochMetrics] {
        history.map { var m = $0; m.seconds = 0; return m }
    }

    static func relativeDifference<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Double {
        Double(a.maxAbsoluteDifference(from: b)) / max(Double(b.maxMagnitude), 1e-300)
    }

    @Test("shards are contiguous, cover the batch and differ in size by at most one")
    func shards() {
        for total in [1, 2, 7, 100, 101] {
            for parts in 1...min(total, 5) {
                let ranges = (0..<parts).map { DataParallelGroup<Float>.shard(total, part: $0, of: parts) }
                #expect(ranges.first!.lowerBound == 0 && ranges.last!.upperBound == total)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                let sizes = ranges.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1 && sizes.min()! >= 1)
            }
        }
    }

    @Test("Float64: the replicas' summed gradients are the full batch's mean-loss gradient", arguments: [2, 3, 7, 9])
    func gradientEqualsFullBatch(replicas: Int) throws {
        let model = try Self.network(Double.self)
        let (input, labels) = try Self.batch(Double.self, count: 7, seed: 11)
        let full = try model.computeGradients(input: input, labels: labels)
        let expected = model.namedParameters.map(\.parameter.gradient)
        for named in model.namedParameters { named.parameter.gradient = Tensor(shape: named.parameter.shape) }

        let group = try DataParallelGroup(model: model, replicas: replicas)
        let step = try group.computeGradients(input: input, labels: labels, layerCount: model.layers.count - 1)
        #expect(abs(step.lossSum / 7 - full.value) <= 1e-14 * abs(full.value))
        for (named, reference) in zip(model.namedParameters, expected) {
            #expect(Self.relativeDifference(named.parameter.gradient, reference) < 1e-13, "\(named.name)")
            #expect(reference.maxMagnitude > 0, "\(named.name) has a zero gradient: the check would be vacuous")
        }
        // The first shards' replicas hold their own partial gradients, not the sum.
        #expect(group.replicas[0].namedParameters[0].parameter.gradient != model.namedParameters[0].parameter.gradient)
    }

    @Test("Float: one step with 1 and 2 replicas agrees to rounding (loss, gradients, updated weights)")
    func oneVersusTwoReplicasFloat() throws {
        let (input, labels) = try Self.batch(Float.self, count: 16, seed: 4)
        var results: [(Double, [Tensor<Float>], [Tensor<Float>])] = []
        for replicas in [1, 2] {
            let model = try Self.network(Float.self)
            let trainer = try Self.trainer(model, replicas: replicas)
            let training = try TrainingData(inputs: input, labels: labels)
            trainer.shuffle = false
            try trainer.fit(training: training, epochs: 1)
            results.append((trainer.history[0].loss, model.namedParameters.map(\.parameter.gradient), model.namedParameters.map(\.parameter.value)))
        }
        #expect(abs(results[0].0 - results[1].0) <= 1e-5 * abs(results[0].0))
        for (a, b) in zip(results[0].1, results[1].1) { #expect(Self.relativeDifference(b, a) < 1e-5) }
        for (a, b) in zip(results[0].2, results[1].2) { #expect(Self.relativeDifference(b, a) < 1e-5) }
    }

    @Test("same seed and replica count: bit-identical runs, for every convolution path", arguments: [ConvolutionAlgorithm.direct, .im2col, .fft])
    func bitIdenticalRepeat(algorithm: ConvolutionAlgorithm) throws {
        func run() throws -> ([EpochMetrics], [Tensor<Float>]) {
            let model = try Self.network(Float.self, algorithm: algorithm)
            let trainer = try Self.trainer(model, replicas: 2)
            #expect(trainer.dataParallel != nil && trainer.dataParallelFallback == nil)
            try trainer.fit(training: Self.data(count: 90, seed: 1), validation: Self.data(count: 30, seed: 2), epochs: 2)
            return (Self.withoutSeconds(trainer.history), model.namedParameters.map(\.parameter.value))
        }
        let (historyA, weightsA) = try run(), (historyB, weightsB) = try run()
        #expect(historyA == historyB)
        #expect(weightsA == weightsB)
    }

    @Test("resume with replicas is exact, also from the middle of an epoch")
    func resumeIsExact() throws {
        let data = try Self.data(count: 90, seed: 1)
        let reference = try Self.trainer(Self.network(Float.self), replicas: 2)
        try reference.fit(training: data, epochs: 2)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dp-resume-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }

        // Stop after 3 batches of epoch 2 (the stop flag is checked before each batch).
        let first = try Self.trainer(Self.network(Float.self), replicas: 2)
        var batches = 0
        try first.fit(training: data, epochs: 1)
        try first.fit(training: data, epochs: 2, onBatch: { _ in
            batches += 1
            if batches == 3 { first.stopFlag.raise() }
        })
        #expect(first.progress.epochsCompleted == 1 && first.progress.batchesCompleted == 3)
        try first.saveCheckpoint(to: path)

        let second = try Self.trainer(Self.network(Float.self, seed: 999), replicas: 2)  // other weights: the checkpoint must replace them
        try second.restoreCheckpoint(from: path)
        try second.fit(training: data, epochs: 2)
        #expect(Self.withoutSeconds(second.history) == Self.withoutSeconds(reference.history))
        #expect(second.model.namedParameters.map(\.parameter.value) == reference.model.namedParameters.map(\.parameter.value))
    }

    @Test("a short run with 2 replicas learns: loss falls, accuracy well above chance")
    func learns() throws {
        let trainer = try Self.trainer(Self.network(Float.self), replicas: 2)
        try trainer.fit(training: Self.data(count: 240, seed: 1), validation: Self.data(count: 80, seed: 2), epochs: 5)
        let history = trainer.history
        #expect(history.last!.loss < history.first!.loss * 0.7)
        #expect((history.last!.valAccuracy ?? 0) > 0.85)
    }

    @Test("batches smaller than R use as many replicas as samples")
    func tinyBatches() throws {
        let model = try Self.network(Double.self)
        let (input, labels) = try Self.batch(Double.self, count: 2, seed: 8)
        let full = try model.computeGradients(input: input, labels: labels)
        let expected = model.namedParameters.map(\.parameter.gradient)
        let group = try DataParallelGroup(model: model, replicas: 4)
        let step = try group.computeGradients(input: input, labels: labels, layerCount: model.layers.count - 1)
        #expect(abs(step.lossSum / 2 - full.value) <= 1e-14 * abs(full.value))
        for (named, reference) in zip(model.namedParameters, expected) {
            #expect(Self.relativeDifference(named.parameter.gradient, reference) < 1e-13)
        }
    }

    @Test("split evaluation: the same predictions and the same loss up to rounding")
    func evaluationSplit() throws {
        let model = try Self.network(Double.self)
        let (input, labels) = try Self.batch(Double.self, count: 23, seed: 5)
        let data = try TrainingData(inputs: input, labels: labels)
        let whole = try Trainer.evaluate(model: model, data: data, batchSize: 10)
        let split = try Trainer.evaluate(model: model, data: data, batchSize: 10, replicas: 3)
        #expect(split.predictions == whole.predictions && split.labels == whole.labels)
        #expect(abs(split.loss - whole.loss) <= 1e-14 * whole.loss)
    }

    @Test("replicas share the weights' values but own their parameters and gradients")
    func replicaStructure() throws {
        let model = try Self.network(Float.self)
        let group = try DataParallelGroup(model: model, replicas: 2)
        for replica in group.replicas {
            #expect(replica.namedParameters.map(\.name) == model.namedParameters.map(\.name))
            #expect(replica.namedParameters.map(\.parameter.value) == model.namedParameters.map(\.parameter.value))
            #expect(zip(replica.namedParameters, model.namedParameters).allSatisfy { $0.parameter !== $1.parameter })
            #expect(replica.convolutionLayers.allSatisfy { $0.engine.threads == 1 && $0.algorithm == .direct })
        }
        // New weights on the model reach the replicas at the next synchronisation.
        model.namedParameters[0].parameter.value = Tensor(shape: model.namedParameters[0].parameter.shape, repeating: 0.5)
        #expect(group.replicas[1].namedParameters[0].parameter.value != model.namedParameters[0].parameter.value)
        group.synchronize()
        #expect(group.replicas[1].namedParameters[0].parameter.value == model.namedParameters[0].parameter.value)
    }

    @Test("dropout and batch norm keep layer-level threads, say why, and train exactly as with 1 replica")
    func fallback() throws {
        let dropout = try Sequential<Float>(inputShape: [1, 8, 8], layers: [
            try Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3), Tanh(), Flatten(),
            try Dropout(rate: 0.3), try Dense(inputFeatures: 72, outputFeatures: 4), Softmax(),
        ], seed: 2)
        let batchNorm = try Sequential<Float>(inputShape: [1, 8, 8], layers: [
            try Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3), try BatchNorm2D(channels: 2), ReLU(), Flatten(),
            try Dense(inputFeatures: 72, outputFeatures: 4), Softmax(),
        ], seed: 2)
        let dropoutTrainer = try Self.trainer(dropout, replicas: 2)
        #expect(dropoutTrainer.dataParallelFallback?.contains("Dropout") == true)
        #expect(try Self.trainer(batchNorm, replicas: 2).dataParallelFallback?.contains("BatchNorm2D") == true)

        let data = try Self.data(count: 48, seed: 1)
        try dropoutTrainer.fit(training: data, epochs: 1)
        let reference = try Sequential<Float>(inputShape: [1, 8, 8], layers: [
            try Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3), Tanh(), Flatten(),
            try Dropout(rate: 0.3), try Dense(inputFeatures: 72, outputFeatures: 4), Softmax(),
        ], seed: 2)
        let referenceTrainer = try Self.trainer(reference, replicas: 1)
        try referenceTrainer.fit(training: data, epochs: 1)
        #expect(dropout.namedParameters.map(\.parameter.value) == reference.namedParameters.map(\.parameter.value))
    }

    /// A layer from outside the library that does not implement `makeReplica()`.
    final class Doubler: Layer {
        var name = ""
        var typeName: String { "Doubler" }
        var namePrefix: String { "doubler" }
        func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] { inputShape }
        func forward(_ input: Tensor<Float>, training: Bool) throws(SpectralConvError) -> Tensor<Float> { Self.doubled(input) }
        func backward(_ outputGradient: Tensor<Float>) throws(SpectralConvError) -> Tensor<Float> { Self.doubled(outputGradient) }
        static func doubled(_ x: Tensor<Float>) -> Tensor<Float> { Tensor(shape: x.shape) { x.scalars[$0] * 2 } }
    }

    @Test("a layer that cannot be copied keeps layer-level threads and is named")
    func unreplicableLayer() throws {
        let model = try Sequential<Float>(inputShape: [4], layers: [Doubler(), try Dense(inputFeatures: 4, outputFeatures: 2)], seed: 1)
        let trainer = try Trainer(model: model, optimizer: SGD(), batchSize: 4, replicas: 2)
        #expect(trainer.dataParallel == nil)
        #expect(trainer.dataParallelFallback?.contains("doubler1 (Doubler)") == true)
        #expect(throws: SpectralConvError.self) { _ = try Trainer(model: model, optimizer: SGD(), batchSize: 4, replicas: 0) }
    }
}
