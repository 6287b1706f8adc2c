import SpectralConv

/// `⟨a, b⟩ = Σ a·b` in Double.
func innerProduct<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Double {
    precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
    var sum = 0.0
    for index in a.scalars.indices { sum += Double(a.scalars[index]) * Double(b.scalars[index]) }
    return sum
}

/// The coordinates a gradient check perturbs: all of them for small tensors, else `limit` spread by a seeded generator.
func checkedCoordinates(count: Int, limit: Int, seed: UInt64) -> [Int] {
    guard count > limit else { return Array(0..<count) }
    var generator = SplitMix64(seed: seed)
    return (0..<limit).map { _ in Int(generator.next() % UInt64(count)) }
}

/// Central-difference check of an analytic gradient of the scalar loss `loss(t)` at `point`:
/// `(loss(t + h·e_i) − loss(t − h·e_i)) / 2h` against `gradient[i]` for the sampled coordinates.
/// Returns `max_i |numeric − analytic| / max(max|analytic|, 1e-300)`.
func centralDifferenceError(
    at point: Tensor<Double>, gradient: Tensor<Double>, step h: Double = 1e-3, limit: Int = 12, seed: UInt64 = 7,
    loss: (Tensor<Double>) throws -> Double
) rethrows -> Double {
    precondition(point.shape == gradient.shape, "gradient shape")
    var worst = 0.0
    for index in checkedCoordinates(count: point.count, limit: limit, seed: seed) {
        var plus = point, minus = point
        plus.withUnsafeMutableBufferPointer { $0[index] += h }
        minus.withUnsafeMutableBufferPointer { $0[index] -= h }
        let numeric = (try loss(plus) - loss(minus)) / (2 * h)
        worst = max(worst, abs(numeric - gradient.scalars[index]))
    }
    return worst / max(gradient.maxMagnitude, 1e-300)
}
