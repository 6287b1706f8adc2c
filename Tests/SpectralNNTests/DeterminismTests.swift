import SpectralConv
import SpectralNN
import Testing

@Suite("Determinism and initialisers")
struct DeterminismTests {
    @Test func sameSeedSameModel() throws {
        let a: Sequential<Float> = try ModelRegistry.build("seed", seed: 11)
        let b: Sequential<Float> = try ModelRegistry.build("seed", seed: 11)
        let c: Sequential<Float> = try ModelRegistry.build("seed", seed: 12)
        for (x, y) in zip(a.namedParameters, b.namedParameters) { #expect(x.parameter.value == y.parameter.value, "\(x.name)") }
        #expect(a.parameter(named: "conv1.weight")!.value != c.parameter(named: "conv1.weight")!.value)
    }

    @Test func sameSeedSameDropoutMasksAndTraining() throws {
        func train(seed: UInt64) throws -> (Double, Tensor<Float>) {
            let model = try Sequential<Float>(inputShape: [6], layers: [
                try Dense(inputFeatures: 6, outputFeatures: 8), Tanh(), try Dropout(rate: 0.5), try Dense(inputFeatures: 8, outputFeatures: 3),
            ], seed: seed)
            let optimizer = try SGD<Float>(learningRate: 0.1)
            var order = SplitMix64(seed: seed)
            var loss = 0.0
            for _ in 0..<3 {
                let batch = Shuffle.permutation(count: 5, generator: &order)
                loss = try model.trainStep(input: .uniform(shape: [5, 6], seed: UInt64(batch[0])), labels: batch.map { $0 % 3 }, optimizer: optimizer)
            }
            return (loss, model.parameter(named: "dense1.weight")!.value)
        }
        let (lossA, weightA) = try train(seed: 5), (lossB, weightB) = try train(seed: 5), (lossC, _) = try train(seed: 6)
        #expect(lossA == lossB)
        #expect(weightA == weightB)
        #expect(lossA != lossC)
    }

    @Test func dropoutKeepsTheExpectedFraction() throws {
        let layer = try Dropout<Double>(rate: 0.25, seed: 3)
        let y = try layer.forward(Tensor(shape: [100, 100], repeating: 1), training: true)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 10_000 - 0.75) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-12 })
        #expect(try layer.forward(Tensor(shape: [3], repeating: 2), training: false).scalars == [2, 2, 2])
    }

    @Test func shuffleIsAReproduciblePermutation() {
        let a = Shuffle.permutation(count: 100, seed: 9, epoch: 0)
        #expect(a == Shuffle.permutation(count: 100, seed: 9, epoch: 0))
        #expect(a.sorted() == Array(0..<100))
        #expect(a != Array(0..<100))
        #expect(a != Shuffle.permutation(count: 100, seed: 9, epoch: 1))
        #expect(a != Shuffle.permutation(count: 100, seed: 10, epoch: 0))
    }

    @Test func initializerDistributions() {
        var generator = SplitMix64(seed: 1)
        // Conv weight [O=16, C=8, 3, 3]: fanIn 72, fanOut 144.
        #expect(Initializer.fans(of: [16, 8, 3, 3]) == (72, 144))
        #expect(Initializer.fans(of: [128, 256]) == (256, 128))
        let glorot: Tensor<Double> = Initializer.glorotUniform.tensor(shape: [16, 8, 3, 3], generator: &generator)
        let limit = (6.0 / (72 + 144)).squareRoot()
        #expect(glorot.maxMagnitude <= limit)
        #expect(glorot.maxMagnitude > 0.95 * limit)
        let he: Tensor<Double> = Initializer.heNormal.tensor(shape: [200, 50], generator: &generator)
        let variance = he.scalars.reduce(0) { $0 + $1 * $1 } / Double(he.count)
        #expect(abs(variance / (2.0 / 50) - 1) < 0.05)
        let heUniform: Tensor<Double> = Initializer.heUniform.tensor(shape: [200, 50], generator: &generator)
        #expect(heUniform.maxMagnitude <= (6.0 / 50).squareRoot())
        let normal: Tensor<Double> = Initializer.normal(standardDeviation: 0.05).tensor(shape: [100, 100], generator: &generator)
        let mean = normal.scalars.reduce(0, +) / 10_000
        let sigma = (normal.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 10_000).squareRoot()
        #expect(abs(sigma - 0.05) < 0.002)
        #expect(abs(mean) < 0.002)
    }
}
