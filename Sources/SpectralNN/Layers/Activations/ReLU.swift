import SpectralConv

/// `y = max(x, 0)` elementwise, any shape; `dx = dy · [x > 0]` (the subgradient at 0 is 0).
public final class ReLU<Scalar: TensorScalar>: ElementwiseActivationLayer<Scalar> {
    public override var typeName: String { "ReLU" }
    public override var namePrefix: String { "relu" }

    public required init(name: String = "") { super.init(function: .relu, name: name) }
}
