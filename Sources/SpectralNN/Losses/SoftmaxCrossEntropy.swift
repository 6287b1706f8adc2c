import Foundation
import SpectralConv

/// Softmax cross-entropy from logits and integer labels, fused and numerically stable
/// (Keras' `sparse_categorical_crossentropy(from_logits=True)`, PyTorch's `cross_entropy`):
///
///     L = (1/N) Σ_n [ logΣ_k e^(z[n,k] − m_n) − (z[n, y_n] − m_n) ],   m_n = max_k z[n, k]
///     dL/dz[n, k] = (softmax(z)[n, k] − [k = y_n]) / N
///
/// Subtracting the row maximum keeps every exponential in (0, 1], so no logit overflows and
/// `log(0)` never occurs. Computed in Double; the gradient is rounded to the logits' precision.
public enum SoftmaxCrossEntropy {
    /// - Parameters:
    ///   - logits: `[N, K]`.
    ///   - labels: N class indices in `0..<K`.
    ///   - gradientDivisor: divides the gradient instead of N — the size of the whole batch when
    ///     these logits are one data-parallel shard of it, so that the shards' parameter gradients
    ///     add up to the gradient of the whole batch's mean loss. The loss value stays the shard's mean.
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for logits that are not `[N, K]` or a label count
    ///   other than N; ``SpectralConvError/invalidArgument(_:)`` for a label outside `0..<K` or a divisor below 1.
    public static func evaluate<Scalar: TensorScalar>(logits: Tensor<Scalar>, labels: [Int],
                                                   gradientDivisor: Int? = nil) throws(SpectralConvError) -> LossResult<Scalar> {
        guard logits.rank == 2, logits.shape[0] > 0, logits.shape[1] > 0 else {
            throw .invalidShape("softmax cross-entropy expects [N, K] logits, got \(logits.shape)")
        }
        let n = logits.shape[0], classes = logits.shape[1]
        guard labels.count == n else { throw .invalidShape("\(labels.count) labels for a batch of \(n)") }
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw .invalidArgument("label \(bad) is outside 0..<\(classes)")
        }
        if let gradientDivisor, gradientDivisor < 1 {
            throw .invalidArgument("the gradient divisor must be at least 1, got \(gradientDivisor)")
        }
        let divisor = Double(gradientDivisor ?? n)
        let z = logits.scalars
        var gradient = [Scalar](repeating: 0, count: z.count)
        var total = 0.0
        for row in 0..<n {
            let slice = (row * classes)..<((row + 1) * classes)
            let maximum = Double(z[slice].max()!)
            var sum = 0.0
            for index in slice { sum += Foundation.exp(Double(z[index]) - maximum) }
            total += Foundation.log(sum) - (Double(z[row * classes + labels[row]]) - maximum)
            for index in slice {
                let probability = Foundation.exp(Double(z[index]) - maximum) / sum
                let target: Double = index - row * classes == labels[row] ? 1 : 0
                gradient[index] = Scalar((probability - target) / divisor)
            }
        }
        return LossResult(value: total / Double(n), gradient: try Tensor(shape: logits.shape, scalars: gradient))
    }
}
