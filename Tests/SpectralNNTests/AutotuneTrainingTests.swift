import SpectralConv
import SpectralNN
import Testing

@Suite("Training with autotune")
struct AutotuneTrainingTests {
    /// A seed-network step with `autotune` gives the direct path's loss and weights within the paths'
    /// agreement bound; the first step tunes each convolution's forward and gradients, later steps
    /// time nothing.
    @Test func seedNetworkStepWithAutotuneAgreesWithDirectAndTunesOnce() throws {
        let tuner = Autotuner()
        let engine = try ConvolutionEngine(threads: 2, autotuner: tuner)
        let input = Tensor<Float>.uniform(shape: [100, 1, 28, 28], in: 0...1, seed: 33)
        let labels = (0..<100).map { ($0 * 7) % 10 }
        var results: [(loss: Double, parameters: [NamedParameter<Float>])] = []
        for algorithm in [ConvolutionAlgorithm.direct, .autotune] {
            let model: Sequential<Float> = try ModelRegistry.build("seed", seed: 32, engine: engine)
            model.setAlgorithm(algorithm)
            let loss = try model.trainStep(input: input, labels: labels, optimizer: SGD(learningRate: 0.1, momentum: 0.9))
            results.append((loss, model.namedParameters))
        }
        #expect(abs(results[1].loss - results[0].loss) <= GradientTolerance.pathAgreementSingle * results[0].loss)
        for (a, b) in zip(results[1].parameters, results[0].parameters) {
            let error = Double(a.parameter.value.maxAbsoluteDifference(from: b.parameter.value)) / Double(b.parameter.value.maxMagnitude)
            #expect(error <= GradientTolerance.pathAgreementSingle, "\(a.name): relative difference \(error)")
        }
        // Three convolutions: each forward and weight gradient, and the input gradients the model needs.
        let tuned = tuner.tunedKeyCount
        #expect(tuned >= 8 && tuned <= 9, "tuned \(tuned) keys")
        let model: Sequential<Float> = try ModelRegistry.build("seed", seed: 32, engine: engine)
        model.setAlgorithm(.autotune)
        _ = try model.trainStep(input: input, labels: labels, optimizer: SGD(learningRate: 0.1))
        #expect(tuner.tunedKeyCount == tuned, "a second model of the same shapes times nothing")
    }
}
