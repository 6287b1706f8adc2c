/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele et al. 2014).
///
/// Same seed, same sequence, on every platform — the toolkit's tests and benchmarks rely on it.
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// Creates a generator whose whole sequence is fixed by `seed`.
    @inlinable
    public init(seed: UInt64) { state = seed }

    /// The generator's whole state: `SplitMix64(seed: g.currentState)` continues exactly like `g`
    /// (checkpoints save it).
    @inlinable
    public var currentState: UInt64 { state }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tensor {
    /// A tensor of independent uniform samples from `range`, reproducible from `seed`:
    /// element `i` is `lower + (upper − lower) · u_i` with `u_i` the top 53 bits of the i-th
    /// SplitMix64 output scaled to [0, 1).
    @inlinable
    public static func uniform(shape: [Int], in range: ClosedRange<Scalar> = -1...1, seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        let lower = Double(range.lowerBound), width = Double(range.upperBound) - lower
        return Tensor(shape: shape) { _ in
            Scalar(lower + width * (Double(generator.next() >> 11) * 0x1p-53))
        }
    }
}
