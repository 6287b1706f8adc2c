import Foundation
import SpectralConv
import SpectralNN
import Testing

@Suite("Losses and accuracy")
struct LossTests {
    @Test func crossEntropyValuesAndGradient() throws {
        let logits = try Tensor<Double>(shape: [2, 3], scalars: [0, 0, 0, 1, 2, 3])
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 2])
        let second = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)) - 3
        #expect(abs(result.value - (Foundation.log(3.0) + second) / 2) < 1e-14)
        let total = Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)
        let expected = [(1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6, Foundation.exp(1.0) / total / 2, Foundation.exp(2.0) / total / 2, (Foundation.exp(3.0) / total - 1) / 2]
        for (a, e) in zip(result.gradient.scalars, expected) { #expect(abs(a - e) < 1e-14) }
    }

    @Test func crossEntropyIsStableForHugeLogits() throws {
        let logits = try Tensor<Float>(shape: [1, 2], scalars: [1000, 0])
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [1])
        #expect(abs(result.value - 1000) < 1e-9)
        #expect(result.gradient.scalars == [1, -1])
        let confident = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0])
        #expect(confident.value == 0)
    }

    /// The fused gradient equals softmax's backward applied to d(−log p_y)/dp.
    @Test func fusedGradientMatchesSoftmaxThenLog() throws {
        let logits = Tensor<Double>.uniform(shape: [4, 5], in: -3...3, seed: 1)
        let labels = [4, 0, 2, 2]
        let fused = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        let softmax = Softmax<Double>()
        let p = try softmax.forward(logits, training: true)
        var dp = Tensor<Double>(shape: [4, 5])
        for (row, label) in labels.enumerated() { dp[row, label] = -1 / (p[row, label] * 4) }
        let unfused = try softmax.backward(dp)
        #expect(fused.gradient.maxAbsoluteDifference(from: unfused) < 1e-14)
        let value = labels.enumerated().reduce(0.0) { $0 - Foundation.log(p[$1.offset, $1.element]) } / 4
        #expect(abs(fused.value - value) < 1e-13)
    }

    @Test func meanSquaredError() throws {
        let p = try Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let t = try Tensor<Double>(shape: [2, 2], scalars: [1, 0, 4, 4])
        let result = try MeanSquaredError.evaluate(prediction: p, target: t)
        #expect(result.value == 5.0 / 4)
        #expect(result.gradient.scalars == [0, 1, -0.5, 0])
    }

    @Test func accuracy() throws {
        let scores = try Tensor<Float>(shape: [4, 3], scalars: [0.1, 0.7, 0.2, 0.5, 0.4, 0.1, 0.2, 0.2, 0.6, 0.3, 0.3, 0.3])
        #expect(try Accuracy.evaluate(scores: scores, labels: [1, 0, 1, 0]) == 0.75)
    }
}
