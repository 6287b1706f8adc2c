import SpectralConv

/// Stochastic gradient descent with momentum and Nesterov momentum, exactly as Keras 2 implements it
/// (`keras/optimizers.py`, class `SGD`), per element with velocity `v` (starting at 0):
///
///     v ← momentum·v − lr_t·g
///     p ← p + v                                 (plain momentum; momentum 0 is plain SGD)
///     p ← p + momentum·v − lr_t·g               (nesterov: true, with the new v)
///
/// with `lr_t = lr / (1 + decay·t)`. Defaults: lr 0.01, momentum 0, decay 0, nesterov false.
public final class SGD<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// Momentum in `[0, 1]`.
    public let momentum: Double
    /// Whether to take the Nesterov step.
    public let nesterov: Bool

    /// - Throws: ``SpectralConvError/invalidArgument(_:)`` for a negative learning rate or decay, or
    ///   momentum outside `[0, 1]`.
    public init(learningRate: Double = 0.01, momentum: Double = 0, decay: Double = 0, nesterov: Bool = false) throws(SpectralConvError) {
        try Self.require(momentum, in: 0...1, "momentum", optimizer: "SGD")
        self.momentum = momentum
        self.nesterov = nesterov
        try super.init(learningRate: learningRate, decay: decay, name: "SGD")
    }

    override func makeState(count: Int) -> [[Double]] { momentum == 0 ? [] : [[Double](repeating: 0, count: count)] }

    override func apply(value: inout [Double], gradient: [Double], state: inout [[Double]], step: Step) {
        let lr = step.learningRate
        guard momentum != 0 else {
            for i in value.indices { value[i] -= lr * gradient[i] }
            return
        }
        // Through buffer pointers: `state[0][i]` on the nested array re-checked uniqueness and bounds
        // per element. Same operations in the same order.
        let momentum = self.momentum, nesterov = self.nesterov
        gradient.withUnsafeBufferPointer { g in
            value.withUnsafeMutableBufferPointer { p in
                state[0].withUnsafeMutableBufferPointer { v in
                    for i in 0..<min(p.count, g.count, v.count) {
                        let velocity = momentum * v[i] - lr * g[i]
                        v[i] = velocity
                        p[i] += nesterov ? momentum * velocity - lr * g[i] : velocity
                    }
                }
            }
        }
    }
}
