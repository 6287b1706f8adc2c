import Foundation
import SpectralConv

/// Adam (Kingma & Ba 2015) as Keras 2 implements it, per element with moments `m`, `v` (starting at 0)
/// and `t` the update number (1 for the first):
///
///     lr_t = lr' · sqrt(1 − β₂^t) / (1 − β₁^t),   lr' = lr / (1 + decay·(t − 1))
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     p ← p − lr_t · m / (sqrt(v) + ε)
///
/// (ε is added to `sqrt(v)` without bias correction, as Keras does.) Defaults: lr 0.001, β₁ 0.9,
/// β₂ 0.999, ε 1e-7, decay 0.
public final class Adam<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// β₁, the first moment's decay, in `[0, 1)`.
    public let beta1: Double
    /// β₂, the second moment's decay, in `[0, 1)`.
    public let beta2: Double
    /// ε in the denominator.
    public let epsilon: Double

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative learning rate or decay,
    ///   a β outside `[0, 1)` or ε outside `[0, 1]`.
    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                decay: Double = 0) throws(SpectralConvError) {
        for (value, label) in [(beta1, "beta1"), (beta2, "beta2")] where !(value >= 0 && value < 1) {
            throw .invalidArgument("Adam: \(label) must be in [0, 1), got \(value)")
        }
        try Self.require(epsilon, in: 0...1, "epsilon", optimizer: "Adam")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        try super.init(learningRate: learningRate, decay: decay, name: "Adam")
    }

    override func makeState(count: Int) -> [[Double]] { [[Double](repeating: 0, count: count), [Double](repeating: 0, count: count)] }

    override func apply(value: inout [Double], gradient: [Double], state: inout [[Double]], step: Step) {
        let t = Double(step.number)
        let lr = step.learningRate * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
        for i in value.indices {
            let g = gradient[i]
            state[0][i] = beta1 * state[0][i] + (1 - beta1) * g
            state[1][i] = beta2 * state[1][i] + (1 - beta2) * g * g
            value[i] -= lr * state[0][i] / (state[1][i].squareRoot() + epsilon)
        }
    }
}
