import SpectralConv

/// A loss value and its gradient with respect to the tensor the loss was computed from.
public struct LossResult<Scalar: TensorScalar>: Sendable {
    /// The mean loss over the batch (computed in Double).
    public let value: Double
    /// `dL/d(input)`, the shape of the loss' input.
    public let gradient: Tensor<Scalar>
}
