import Foundation
import SpectralConv

/// Softmax over the features of `[N, K]`: `y[n, k] = e^(x[n,k] − m_n) / Σ_j e^(x[n,j] − m_n)` with
/// `m_n = max_j x[n, j]` (subtracting the maximum keeps every exponential ≤ 1).
///
/// Backward: `dx = y ⊙ (dy − Σ_k dy[n, k]·y[n, k])`. When a model ends in Softmax and is trained with
/// ``SoftmaxCrossEntropy``, ``Sequential`` skips this layer and fuses the two (see there).
public final class Softmax<Scalar: TensorScalar>: Layer {
    public var name: String
    public var typeName: String { "Softmax" }
    public var namePrefix: String { "softmax" }
    private var cachedOutput: Tensor<Scalar>?

    public init(name: String = "") { self.name = name }

    public func makeReplica() throws(SpectralConvError) -> (any Layer<Scalar>)? {
        Softmax<Scalar>(name: name)
    }

    public func outputShape(forInputShape inputShape: [Int]) throws(SpectralConvError) -> [Int] {
        try LayerValidation.requireRank(inputShape, 1, layer: "Softmax", expected: "a [K] sample (add a Flatten before it?)")
        return inputShape
    }

    /// Row-wise softmax of `[N, K]` logits, computed in Double and rounded.
    public static func probabilities(_ logits: Tensor<Scalar>) -> Tensor<Scalar> {
        let classes = logits.shape[1], values = logits.scalars
        var result = [Scalar](repeating: 0, count: values.count)
        for row in 0..<logits.shape[0] {
            let slice = (row * classes)..<((row + 1) * classes)
            let maximum = Double(values[slice].max() ?? 0)
            var total = 0.0
            for index in slice { total += Foundation.exp(Double(values[index]) - maximum) }
            for index in slice { result[index] = Scalar(Foundation.exp(Double(values[index]) - maximum) / total) }
        }
        return try! Tensor(shape: logits.shape, scalars: result)  // same count by construction
    }

    public func forward(_ input: Tensor<Scalar>, training: Bool) throws(SpectralConvError) -> Tensor<Scalar> {
        try LayerValidation.requireRank(input.shape, 2, layer: "Softmax", expected: "an [N, K] batch")
        let output = Self.probabilities(input)
        cachedOutput = output
        return output
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws(SpectralConvError) -> Tensor<Scalar> {
        guard let output = cachedOutput else { preconditionFailure("Softmax.backward called before forward") }
        try ActivationShape.require(outputGradient, matches: output, layer: "Softmax")
        let classes = output.shape[1], y = output.scalars, dy = outputGradient.scalars
        return Tensor(shape: output.shape) { index in
            let row = index / classes * classes
            var dot: Scalar = 0
            for k in row..<(row + classes) { dot += dy[k] * y[k] }
            return y[index] * (dy[index] - dot)
        }
    }

    /// About three operations per element (exponential, sum, division).
    public func forwardFlops(inputShape: [Int]) -> Double { 3 * Double(inputShape.reduce(1, *)) }
}
