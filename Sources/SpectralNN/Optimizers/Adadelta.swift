import SpectralConv

/// Adadelta (Zeiler 2012) as Keras 2 implements it, per element with accumulators `a` (squared
/// gradients) and `d` (squared updates), both starting at 0:
///
///     a ← ρ·a + (1 − ρ)·g²
///     u = g · sqrt(d + ε) / sqrt(a + ε)
///     p ← p − lr_t · u
///     d ← ρ·d + (1 − ρ)·u²
///
/// with `lr_t = lr / (1 + decay·t)`. Defaults (Keras 2): lr 1.0, ρ 0.95, ε 1e-7, decay 0.
public final class Adadelta<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// ρ, the decay of both running averages, in `[0, 1)`.
    public let rho: Double
    /// ε inside both square roots.
    public let epsilon: Double

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative learning rate or decay,
    ///   ρ outside `[0, 1)` or ε outside `[0, 1]`.
    public init(learningRate: Double = 1.0, rho: Double = 0.95, epsilon: Double = 1e-7, decay: Double = 0) throws(SpectralConvError) {
        guard rho >= 0, rho < 1 else { throw .invalidArgument("Adadelta: rho must be in [0, 1), got \(rho)") }
        try Self.require(epsilon, in: 0...1, "epsilon", optimizer: "Adadelta")
        self.rho = rho
        self.epsilon = epsilon
        try super.init(learningRate: learningRate, decay: decay, name: "Adadelta")
    }

    override func makeState(count: Int) -> [[Double]] { [[Double](repeating: 0, count: count), [Double](repeating: 0, count: count)] }

    override func apply(value: inout [Double], gradient: [Double], state: inout [[Double]], step: Step) {
        for i in value.indices {
            let g = gradient[i]
            state[0][i] = rho * state[0][i] + (1 - rho) * g * g
            let update = g * (state[1][i] + epsilon).squareRoot() / (state[0][i] + epsilon).squareRoot()
            value[i] -= step.learningRate * update
            state[1][i] = rho * state[1][i] + (1 - rho) * update * update
        }
    }
}
