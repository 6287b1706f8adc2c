import SpectralConv

/// `y = tanh(x)` elementwise, any shape; `dx = dy · (1 − y²)`. Float runs the vectorised
/// ``VectorMath/tanh(_:)`` (relative error ≤ 3e−7, see there); Double runs libm.
public final class Tanh<Scalar: TensorScalar>: ElementwiseActivationLayer<Scalar> {
    public override var typeName: String { "Tanh" }
    public override var namePrefix: String { "tanh" }

    public required init(name: String = "") { super.init(function: .tanh, name: name) }
}
