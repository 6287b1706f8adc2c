import SpectralConv

/// Adagrad as Keras 2 implements it, per element with accumulator `a` (starting at 0):
///
///     a ← a + g²
///     p ← p − lr_t · g / (sqrt(a) + ε)
///
/// with `lr_t = lr / (1 + decay·t)`. Defaults: lr 0.01, ε 1e-7 (Keras' `K.epsilon()`), decay 0.
public final class Adagrad<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// ε in the denominator.
    public let epsilon: Double

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative learning rate, decay or epsilon.
    public init(learningRate: Double = 0.01, epsilon: Double = 1e-7, decay: Double = 0) throws(SpectralConvError) {
        try Self.require(epsilon, in: 0...1, "epsilon", optimizer: "Adagrad")
        self.epsilon = epsilon
        try super.init(learningRate: learningRate, decay: decay, name: "Adagrad")
    }

    override func makeState(count: Int) -> [[Double]] { [[Double](repeating: 0, count: count)] }

    override func apply(value: inout [Double], gradient: [Double], state: inout [[Double]], step: Step) {
        for i in value.indices {
            state[0][i] += gradient[i] * gradient[i]
            value[i] -= step.learningRate * gradient[i] / (state[0][i].squareRoot() + epsilon)
        }
    }
}
