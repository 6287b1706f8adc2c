import SpectralConv

/// Mean squared error over every element (Keras' `mean_squared_error` averaged over the batch,
/// PyTorch's `mse_loss` with `reduction='mean'`):
///
///     L = (1/M) Σ_i (p_i − t_i)²,   dL/dp_i = 2 (p_i − t_i) / M,   M = element count
public enum MeanSquaredError {
    /// - Throws: ``SpectralConvError/invalidShape(_:)`` when the shapes differ or are empty.
    public static func evaluate<Scalar: TensorScalar>(prediction: Tensor<Scalar>, target: Tensor<Scalar>) throws(SpectralConvError) -> LossResult<Scalar> {
        guard prediction.shape == target.shape, prediction.count > 0 else {
            throw .invalidShape("mean squared error needs equal, non-empty shapes, got \(prediction.shape) and \(target.shape)")
        }
        let count = Double(prediction.count)
        var total = 0.0
        for (p, t) in zip(prediction.scalars, target.scalars) { total += (Double(p) - Double(t)) * (Double(p) - Double(t)) }
        let gradient = prediction.zipMap(target) { p, t in Scalar(2 * (Double(p) - Double(t)) / count) }
        return LossResult(value: total / count, gradient: gradient)
    }
}
