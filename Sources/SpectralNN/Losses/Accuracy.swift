import SpectralConv

/// Classification accuracy: the fraction of rows of `[N, K]` scores (logits or probabilities — the
/// arg-max is the same) whose arg-max equals the label (the first maximum on ties).
public enum Accuracy {
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` for scores that are not `[N, K]` or N ≠ label count.
    public static func evaluate<Scalar: TensorScalar>(scores: Tensor<Scalar>, labels: [Int]) throws(SpectralConvError) -> Double {
        guard scores.rank == 2, scores.shape[1] > 0, scores.shape[0] == labels.count, !labels.isEmpty else {
            throw .invalidShape("accuracy expects [N, K] scores with N labels, got \(scores.shape) and \(labels.count) labels")
        }
        let classes = scores.shape[1], values = scores.scalars
        var correct = 0
        for (row, label) in labels.enumerated() {
            var best = 0
            for k in 1..<classes where values[row * classes + k] > values[row * classes + best] { best = k }
            if best == label { correct += 1 }
        }
        return Double(correct) / Double(labels.count)
    }
}
