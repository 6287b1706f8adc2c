import SpectralConv

/// `y = 1 / (1 + e^(−x))` elementwise, any shape; `dx = dy · y · (1 − y)`.
/// Evaluated as `e^x / (1 + e^x)` for negative `x` so that no exponential overflows.
public final class Sigmoid<Scalar: TensorScalar>: ElementwiseActivationLayer<Scalar> {
    public override var typeName: String { "Sigmoid" }
    public override var namePrefix: String { "sigmoid" }

    public required init(name: String = "") { super.init(function: .sigmoid, name: name) }
}
