/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele et al. 2014).
///
/// Same seed, same sequence, on every platform — the toolkit's tests and benchmarks rely on it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tensor {
    /// A tensor of independent uniform samples from `range`, reproducible from `seed`.
    public static func uniform(shape: [Int], in range: ClosedRange<Scalar> = -1...1, seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape) { _ in Scalar.random(in: range, using: &generator) }
    }
}
